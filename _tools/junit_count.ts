// Prints "<passed> <failed> <skipped>" for a JUnit report written by `deno test` or `bun test`.
// Deno reports a `describe` block both as a test and as its steps ("suite > case"); only leaf
// cases are counted, so both runtimes count the same `it`/`test` calls.
const xml = await Deno.readTextFile(Deno.args[0]);
const cases: { name: string; failed: boolean; skipped: boolean }[] = [];
const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
for (const m of xml.matchAll(re)) {
  const attrs = m[1];
  const body = m[3] ?? "";
  const name = (/\bname="([^"]*)"/.exec(attrs)?.[1] ?? "").replaceAll("&gt;", ">");
  const classname = /\bclassname="([^"]*)"/.exec(attrs)?.[1] ?? "";
  cases.push({
    name: `${classname}\u0000${name}`,
    failed: /<(failure|error)\b/.test(body),
    skipped: /<skipped\b/.test(body),
  });
}
const names = cases.map((c) => c.name.split("\u0000")[1]);
let passed = 0, failed = 0, skipped = 0;
for (const c of cases) {
  const name = c.name.split("\u0000")[1];
  const isParent = names.some((other) => other.startsWith(name + " > "));
  if (isParent && !c.failed) continue;
  if (isParent && c.failed && names.some((o) => o.startsWith(name + " > ") && o !== name)) {
    // A failing parent is already represented by its failing steps.
    continue;
  }
  if (c.failed) failed++;
  else if (c.skipped) skipped++;
  else passed++;
}
console.log(`${passed} ${failed} ${skipped}`);
