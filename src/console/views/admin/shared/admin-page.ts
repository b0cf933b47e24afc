import { onMounted, ref } from "vue";
import { ApiFailure } from "../../../api/http";
import { problemText } from "../../../api/problems";

/** Where a refusal naming a field is shown: beside that field of this form, when the form has it. */
export interface Beside {
  form: string;
  fields: readonly string[];
}

/** A refusal shown beside its field (`form`, `field`) rather than above the page. */
export interface FieldProblem {
  form: string;
  field: string;
  /** The whole field the API named ("intervals.3.closes"): which item of a list field. */
  path: string;
  text: string;
}

/**
 * What every admin page does around its changes: load on opening, run a change, then say what
 * happened ("notice") or what went wrong in pt-BR ("problem", from the API's refusal; beside the
 * field the refusal names when the change says which form's fields it can show it at), and load
 * again so the page shows what the server now holds.
 */
export function useAdminPage(load: () => Promise<void>) {
  const problem = ref("");
  const notice = ref("");
  const fieldProblem = ref<FieldProblem | null>(null);

  /** Runs the change; its answer (`{ value }`) when it went through, null when it was refused. */
  async function run<T>(action: () => Promise<T>, done: string, beside?: Beside): Promise<{ value: T } | null> {
    problem.value = "";
    notice.value = "";
    fieldProblem.value = null;
    try {
      const value = await action();
      notice.value = done;
      await load();
      return { value };
    } catch (err) {
      const text = problemText(err);
      const path = err instanceof ApiFailure ? err.field : undefined;
      const field = path?.split(".")[0];
      if (beside && path && field && beside.fields.includes(field)) fieldProblem.value = { form: beside.form, field, path, text };
      else problem.value = text;
      return null;
    }
  }

  /** The problem to show beside this form's field, or "". */
  const problemAt = (form: string, field: string): string =>
    fieldProblem.value && fieldProblem.value.form === form && fieldProblem.value.field === field ? fieldProblem.value.text : "";

  onMounted(() => void load().catch((err: unknown) => (problem.value = problemText(err))));
  return { problem, notice, run, problemAt, fieldProblem };
}
