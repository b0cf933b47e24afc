import { api } from "../api/http";

export interface Technician {
  username: string;
  name: string;
}

let list: Promise<Technician[]> | null = null;

/**
 * Who a ticket can be given to: asked once per page life and shared by every ticket opened (an
 * account added since shows after a reload). A failed answer is not kept: the next ticket asks again.
 */
export function technicians(): Promise<Technician[]> {
  list ??= api<{ technicians: Technician[] }>("GET", "/console/technicians").then(
    (answer) => answer.technicians,
    (err: unknown) => {
      list = null;
      throw err;
    },
  );
  return list;
}
