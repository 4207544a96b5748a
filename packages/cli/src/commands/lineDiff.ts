/**
 * lineDiff: a readable line diff for `--dry-run` (" " kept, "-" removed,
 * "+" added), from a longest common subsequence of lines.
 *
 * Pure. Unchanged runs longer than the context are folded to "…". Meant
 * for settings files (quadratic in lines; beyond `MAX_DIFF_LINES` it shows
 * the whole old and new text instead).
 */

export const MAX_DIFF_LINES = 4000;
const CONTEXT = 2;

/** Pure: the diff of `before` → `after`; empty when they are equal. */
export const lineDiff = (before: string, after: string): string => {
  if (before === after) return "";
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES) {
    return [...a.map((line) => `- ${line}`), ...b.map((line) => `+ ${line}`)].join("\n");
  }
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const lines: { mark: " " | "-" | "+"; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ mark: " ", text: a[i]! });
      i++;
      j++;
    } else if (i >= a.length || (j < b.length && lcs[i]![j + 1]! > lcs[i + 1]![j]!)) {
      lines.push({ mark: "+", text: b[j]! });
      j++;
    } else {
      lines.push({ mark: "-", text: a[i]! });
      i++;
    }
  }
  const near = (index: number) =>
    lines.slice(Math.max(0, index - CONTEXT), index + CONTEXT + 1).some((line) => line.mark !== " ");
  const out: string[] = [];
  let folded = false;
  lines.forEach((line, index) => {
    if (line.mark !== " " || near(index)) {
      out.push(`${line.mark} ${line.text}`);
      folded = false;
    } else if (!folded) {
      out.push("  …");
      folded = true;
    }
  });
  return out.join("\n");
};
