import QRCode from "qrcode";

/** The QR code as a PNG an admin opens in a browser (GET /api/auth/qr). */
export function qrPng(code: string): Promise<Buffer> {
  return QRCode.toBuffer(code, { type: "png", errorCorrectionLevel: "L", margin: 4, scale: 8 });
}

/** The QR code drawn with block characters, for the terminal or the journal. */
export function qrTerminal(code: string): Promise<string> {
  return QRCode.toString(code, { type: "terminal", small: true, errorCorrectionLevel: "L" });
}
