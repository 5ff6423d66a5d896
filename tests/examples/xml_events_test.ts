// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// examples/xml_events.ts: the system expat's XML_Parse on a native greenlet, each handler
// awaiting the for-await loop.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { gunzip } from "../../examples/gunzip.ts";
import { type XmlEvent, xmlEvents } from "../../examples/xml_events.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { Ticker } from "./_ticker.ts";

const DOCUMENT = `<?xml version="1.0" encoding="UTF-8"?>
<feed lang="en"><item id="1" kind="a&amp;b">café &lt;au lait&gt;</item><empty/></feed>
`;

const EVENTS: XmlEvent[] = [
  { type: "start", name: "feed", attributes: { lang: "en" } },
  { type: "start", name: "item", attributes: { id: "1", kind: "a&b" } },
  { type: "text", text: "café <au lait>" },
  { type: "end", name: "item" },
  { type: "start", name: "empty", attributes: {} },
  { type: "end", name: "empty" },
  { type: "end", name: "feed" },
];

/** `bytes` in pieces of `size` bytes (cutting through tags and UTF-8 sequences). */
function* pieces(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size);
}

async function all(events: AsyncIterable<XmlEvent>): Promise<XmlEvent[]> {
  const out: XmlEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe("xml events example", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "xml-example-"));
  });
  after(() => rm(dir, { recursive: true }));

  it("turns expat's handlers into a for-await loop of events, whatever the chunking", async () => {
    const bytes = new TextEncoder().encode(DOCUMENT);
    for (const size of [1, 7, bytes.length]) {
      assert.deepEqual(await all(xmlEvents(pieces(bytes, size))), EVENTS, `pieces of ${size}`);
    }
    assertHealthy();
  });

  it("keeps expat suspended in a handler while the loop awaits; timers run", async () => {
    const many = `<list>${"<i>x</i>".repeat(200)}</list>`;
    using ticker = new Ticker();
    let starts = 0;
    for await (const event of xmlEvents([new TextEncoder().encode(many)])) {
      if (event.type !== "start") continue;
      ticker.inside = ++starts > 1; // one XML_Parse call for the whole document: mid-parse here
      if (starts % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.equal(starts, 201);
    assert.ok(ticker.ticksInside > 0, "a timer ran while expat was suspended mid-parse");
    assertHealthy();
  });

  it("parses a gzip file through the gunzip example: zlib and expat suspended at once", async () => {
    const big = `<list>${
      Array.from({ length: 4000 }, (_, k) => `<i n="${k}">${k * k}</i>`).join("")
    }</list>`;
    const path = join(dir, "big.xml.gz");
    await writeFile(path, gzipSync(big));
    let items = 0;
    let sum = 0;
    for await (const event of xmlEvents(gunzip(path, { chunkSize: 4096 }))) {
      if (event.type === "start" && event.name === "i") sum += Number(event.attributes.n) - items++;
    }
    assert.equal(items, 4000);
    assert.equal(sum, 0, "every item's attribute in order");
    assertHealthy();
  });

  it("stops parsing when the loop is left early", async () => {
    const chunks = [new TextEncoder().encode("<a><b/>"), new TextEncoder().encode("<c/></a>")];
    let read = 0;
    const counted = (function* () {
      for (const chunk of chunks) {
        read++;
        yield chunk;
      }
    })();
    for await (const event of xmlEvents(counted)) {
      assert.deepEqual(event, { type: "start", name: "a", attributes: {} });
      break;
    }
    assert.equal(read, 1, "the second chunk is never read");
    assertHealthy();
  });

  it("raises a SyntaxError with expat's message and line for a malformed document", async () => {
    const bad = new TextEncoder().encode("<a>\n<b></a>");
    const seen: XmlEvent[] = [];
    await assert.rejects(async () => {
      for await (const event of xmlEvents([bad])) seen.push(event);
    }, (e) => e instanceof SyntaxError && /mismatched tag at line 2/.test(e.message));
    assert.deepEqual(seen.map((e) => e.type), ["start", "text", "start"]);
    assertHealthy();
  });
});
