import type { PageRoute } from "../guards";

/** The admin pages: every one guarded by requireAccount("admin"). */
export const adminPages: PageRoute[] = [];
