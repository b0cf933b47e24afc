import { serviceIndex, findUserByCode, type Queryable } from "../domain/index.js";

/** Who is calling, as the GLPI backend needs it: our user plus the GLPI user it stands for. */
export interface Requester {
  code: string;
  name: string;
  department: string | null;
  active: boolean;
  /** The GLPI user id (`ura users sync-glpi` fills it in); null = not linked. */
  glpiId: number | null;
}

/** A catalogue option, with the ITIL category it files tickets under. */
export interface ServiceEntry {
  id: number;
  label: string;
  path: string;
  active: boolean;
  leaf: boolean;
  glpiCategoryId: number | null;
}

/**
 * The backend's read-only view of our users and catalogue. Phase B may back it with the core's
 * repositories; this one reads the tables through the domain's own lookups plus the GLPI link
 * columns (migration 021).
 */
export interface GlpiDirectory {
  requester(code: string): Promise<Requester | null>;
  /** Our users whose department is exactly this one (the list's department filter). */
  requestersInDepartment(department: string): Promise<Requester[]>;
  service(id: number): Promise<ServiceEntry | null>;
  /** The active leaf filed under a GLPI category, for tickets opened in GLPI itself. */
  serviceForCategory(categoryId: number): Promise<ServiceEntry | null>;
}

export function sqlDirectory(q: Queryable): GlpiDirectory {
  const entry = async (id: number, glpiCategoryId: number | null): Promise<ServiceEntry | null> => {
    const info = (await serviceIndex(q))(id);
    return info ? { ...info, glpiCategoryId } : null;
  };
  return {
    async requester(code) {
      const user = await findUserByCode(q, code);
      if (!user) return null;
      const row = await q.get<{ glpi_id: number | null }>("SELECT glpi_id FROM users WHERE id = ?", [user.id]);
      return {
        code: user.code,
        name: user.name,
        department: user.department,
        active: user.active,
        glpiId: row?.glpi_id === null || row?.glpi_id === undefined ? null : Number(row.glpi_id),
      };
    },
    async requestersInDepartment(department) {
      const rows = await q.all<{ code: string; name: string; department: string | null; active: number; glpi_id: number | null }>(
        "SELECT code, name, department, active, glpi_id FROM users WHERE department = ? ORDER BY code",
        [department],
      );
      return rows.map((r) => ({
        code: r.code,
        name: r.name,
        department: r.department,
        active: Boolean(Number(r.active)),
        glpiId: r.glpi_id === null ? null : Number(r.glpi_id),
      }));
    },
    async service(id) {
      const row = await q.get<{ glpi_category_id: number | null }>("SELECT glpi_category_id FROM services WHERE id = ?", [id]);
      if (!row) return null;
      return entry(id, row.glpi_category_id === null ? null : Number(row.glpi_category_id));
    },
    async serviceForCategory(categoryId) {
      const rows = await q.all<{ id: number }>("SELECT id FROM services WHERE glpi_category_id = ? AND active = 1 ORDER BY id", [categoryId]);
      for (const r of rows) {
        const e = await entry(Number(r.id), categoryId);
        if (e?.leaf) return e;
      }
      return null;
    },
  };
}
