import { onMounted, ref } from "vue";
import { problemText } from "../../../api/problems";

/**
 * What every admin page does around its changes: load on opening, run a change, then say what
 * happened ("notice") or what went wrong in pt-BR ("problem", from the API's refusal), and load
 * again so the page shows what the server now holds.
 */
export function useAdminPage(load: () => Promise<void>) {
  const problem = ref("");
  const notice = ref("");

  /** Runs the change; its answer (`{ value }`) when it went through, null when it was refused. */
  async function run<T>(action: () => Promise<T>, done: string): Promise<{ value: T } | null> {
    problem.value = "";
    notice.value = "";
    try {
      const value = await action();
      notice.value = done;
      await load();
      return { value };
    } catch (err) {
      problem.value = problemText(err);
      return null;
    }
  }

  onMounted(() => void load().catch((err: unknown) => (problem.value = problemText(err))));
  return { problem, notice, run };
}
