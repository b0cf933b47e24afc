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

  async function run(action: () => Promise<unknown>, done: string): Promise<boolean> {
    problem.value = "";
    notice.value = "";
    try {
      await action();
      notice.value = done;
      await load();
      return true;
    } catch (err) {
      problem.value = problemText(err);
      return false;
    }
  }

  onMounted(() => void load().catch((err: unknown) => (problem.value = problemText(err))));
  return { problem, notice, run };
}
