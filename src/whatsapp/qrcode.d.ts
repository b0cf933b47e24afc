// The few functions of `qrcode` (1.5) the service uses; the package ships no types.
declare module "qrcode" {
  interface QRCodeOptions {
    errorCorrectionLevel?: "L" | "M" | "Q" | "H";
    margin?: number;
    scale?: number;
    width?: number;
    type?: string;
    small?: boolean;
  }
  export function toBuffer(text: string, options?: QRCodeOptions): Promise<Buffer>;
  export function toString(text: string, options?: QRCodeOptions): Promise<string>;
  const qrcode: { toBuffer: typeof toBuffer; toString: typeof toString };
  export default qrcode;
}
