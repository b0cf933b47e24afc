import { inject, reactive, ref, type InjectionKey } from "vue";
import { api } from "../../../api/http";
import { fill, text } from "../../../text";
import { useAdminPage, type Beside } from "../shared/admin-page";

/** A menu or option as `GET /admin/catalogue` gives it. */
export interface ServiceNode {
  id: number;
  parentId: number | null;
  key: string;
  label: string;
  prompt: string;
  active: boolean;
  glpiCategoryId: number | null;
  children: ServiceNode[];
}

/** The one form open at a time: editing a node, or adding under a menu (null: the main menu). */
export type OpenForm = { kind: "edit"; id: number } | { kind: "add"; parentId: number | null } | null;

export interface Draft {
  key: string;
  label: string;
  prompt: string;
  active: boolean;
  glpiCategoryId: string;
}

/** The one option form open at a time (NodeForm) and the fields it shows. */
export const NODE_FORM: Beside = { form: "node", fields: ["key", "label", "prompt", "glpiCategoryId"] };

/** While callers still hear the previous menus, the page looks again this often. */
const READY_POLL_MS = 1_000;

const t = text.admin.catalogue;

/** The catalogue editor's state and actions, shared by the page and its branches (provide/inject). Call it in setup: it loads when the page opens. */
export function createEditor() {
  const services = ref<ServiceNode[]>([]);
  const ready = ref(true);
  const glpi = ref(false);
  const form = ref<OpenForm>(null);
  const draft = reactive<Draft>({ key: "", label: "", prompt: "", active: true, glpiCategoryId: "" });
  let poll: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  async function load(): Promise<void> {
    const answer = await api<{ services: ServiceNode[]; ready: boolean; glpi: boolean }>("GET", "/admin/catalogue");
    services.value = answer.services;
    ready.value = answer.ready;
    glpi.value = answer.glpi;
    if (poll) clearTimeout(poll);
    poll = null;
    // Until the new sentences are synthesised, look again: the line above the tree turns "ready" by itself.
    if (!answer.ready && !stopped) poll = setTimeout(() => void load().catch(() => undefined), READY_POLL_MS);
  }

  const page = useAdminPage(load);
  const { problem, notice, problemAt } = page;
  /** A change, then the form closes (when it went through); a refusal naming a field of the open form is said under it. */
  const run = async (action: () => Promise<unknown>, done: string, beside?: Beside) => {
    if (await page.run(action, done, beside)) form.value = null;
  };

  const category = () => (draft.glpiCategoryId.trim() === "" ? null : Number(draft.glpiCategoryId.trim()));

  function startEdit(node: ServiceNode): void {
    Object.assign(draft, { key: node.key, label: node.label, prompt: node.prompt, active: node.active, glpiCategoryId: node.glpiCategoryId?.toString() ?? "" });
    form.value = { kind: "edit", id: node.id };
  }

  function startAdd(parentId: number | null, siblings: ServiceNode[]): void {
    const used = new Set(siblings.filter((s) => s.active).map((s) => s.key));
    const free = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].find((k) => !used.has(k)) ?? "";
    Object.assign(draft, { key: free, label: "", prompt: "", active: true, glpiCategoryId: "" });
    form.value = { kind: "add", parentId };
  }

  const save = (node: ServiceNode) =>
    run(
      () =>
        api("PATCH", `/admin/catalogue/${node.id}`, {
          key: draft.key,
          label: draft.label,
          prompt: draft.prompt,
          active: draft.active,
          ...(glpi.value ? { glpiCategoryId: category() } : {}),
        }),
      fill(t.saved, { label: draft.label.trim() }),
      NODE_FORM,
    );

  const add = (parentId: number | null) =>
    run(
      () =>
        api("POST", "/admin/catalogue", {
          parentId,
          key: draft.key,
          label: draft.label,
          ...(draft.prompt.trim() ? { prompt: draft.prompt } : {}),
          active: draft.active,
          ...(glpi.value ? { glpiCategoryId: category() } : {}),
        }),
      fill(t.added, { label: draft.label.trim() }),
      NODE_FORM,
    );

  const swap = (node: ServiceNode, other: ServiceNode) => run(() => api("POST", `/admin/catalogue/${node.id}/swap`, { with: other.id }), fill(t.moved, { label: node.label, key: other.key }));

  function remove(node: ServiceNode): Promise<void> | void {
    if (!window.confirm(fill(t.confirmRemove, { label: node.label }))) return;
    return run(() => api("DELETE", `/admin/catalogue/${node.id}`), fill(t.removed, { label: node.label }));
  }

  /** Plays the sentence as the IVR plays it (our own server synthesises it: nothing from outside). */
  function play(node: ServiceNode): void {
    problem.value = "";
    const audio = new Audio(`/api/v1/admin/catalogue/${node.id}/audio`);
    audio.addEventListener("error", () => (problem.value = t.playFailed), { once: true });
    void audio.play().catch(() => undefined);
  }

  function stop(): void {
    stopped = true;
    if (poll) clearTimeout(poll);
  }

  return { services, ready, glpi, problem, notice, problemAt, form, draft, load, startEdit, startAdd, save, add, swap, remove, play, stop };
}

export type Editor = ReturnType<typeof createEditor>;
export const EDITOR: InjectionKey<Editor> = Symbol("catalogue editor");

export function useEditor(): Editor {
  const editor = inject(EDITOR);
  if (!editor) throw new Error("CatalogueBranch needs the catalogue editor (provide(EDITOR, …))");
  return editor;
}
