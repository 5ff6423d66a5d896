// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// expat, the streaming XML parser (the system's libexpat), turned from a push parser into a
// `for await` loop of events:
//
//   for await (const event of xmlEvents(gunzip("feed.xml.gz"))) console.log(event);
//
// expat calls a handler for each start tag, end tag and run of text. Here XML_Parse runs on a
// native greenlet and each handler hands its event to the loop and waits (awaits) until the loop
// asks for the next one: expat stays suspended in the middle of its parse, on its own stack,
// while the loop body runs, awaits included. No event list is built up: one event at a time,
// however large the document. Chained with examples/gunzip.ts, two C libraries are suspended at
// once, each on its own stack: zlib in its output callback, expat in an element handler.
//
//   deno run --allow-ffi --allow-read --allow-env examples/xml_events.ts file.xml[.gz]
//   bun run examples/xml_events.ts file.xml[.gz]
//
// Tested by tests/examples/xml_events_test.ts; explained in docs/native_examples.md.

import { createReadStream } from "node:fs";
import process from "node:process";
import { awaitOnly, type Op } from "../mod.ts";
import {
  callNative,
  callNativeSync,
  loadLibrary,
  nativeCallback,
  type NativePointer,
  pointerFromAddress,
  readCString,
  viewAt,
} from "../native.ts";
import { Channel } from "./_channel.ts";
import { gunzip } from "./gunzip.ts";

/**
 * expat's file: the soname of Linux distributions. macOS users pass "libexpat.1.dylib" (in the
 * system's library cache); Windows users pass the path of a libexpat.dll (e.g. vcpkg's). The
 * environment variable GREENLET_EXAMPLE_LIBEXPAT overrides it for the command line.
 */
export const LIBEXPAT = "libexpat.so.1";

/** One thing expat found in the document. */
export type XmlEvent =
  | { type: "start"; name: string; attributes: Record<string, string> }
  | { type: "end"; name: string }
  | { type: "text"; text: string };

/** Options for {@link xmlEvents}. */
export interface XmlEventsOptions {
  /** expat's file or soname. @default LIBEXPAT */
  library?: string;
}

const XML_STATUS_OK = 1;

/** The expat functions the example uses, with their C declarations. */
const EXPAT_FUNCTIONS = {
  // XML_Parser XML_ParserCreate(const XML_Char *encoding)
  XML_ParserCreate: { parameters: ["buffer"], result: "pointer" },
  // void XML_SetElementHandler(XML_Parser, XML_StartElementHandler, XML_EndElementHandler)
  XML_SetElementHandler: { parameters: ["pointer", "function", "function"], result: "void" },
  // void XML_SetCharacterDataHandler(XML_Parser, XML_CharacterDataHandler)
  XML_SetCharacterDataHandler: { parameters: ["pointer", "function"], result: "void" },
  // enum XML_Status XML_Parse(XML_Parser, const char *s, int len, int isFinal)
  XML_Parse: { parameters: ["pointer", "buffer", "i32", "i32"], result: "i32" },
  // enum XML_Error XML_GetErrorCode(XML_Parser)
  XML_GetErrorCode: { parameters: ["pointer"], result: "i32" },
  // const XML_LChar *XML_ErrorString(enum XML_Error)
  XML_ErrorString: { parameters: ["i32"], result: "pointer" },
  // XML_Size XML_GetCurrentLineNumber(XML_Parser): unsigned long (64 bits on Linux and macOS)
  XML_GetCurrentLineNumber: { parameters: ["pointer"], result: "u64" },
  // enum XML_Status XML_StopParser(XML_Parser, XML_Bool resumable)
  XML_StopParser: { parameters: ["pointer", "u8"], result: "i32" },
  // void XML_ParserFree(XML_Parser)
  XML_ParserFree: { parameters: ["pointer"], result: "void" },
} as const;

/**
 * The events of the XML document whose bytes (UTF-8, or as its declaration says) `chunks`
 * yields, one at a time: expat parses as far as the loop has asked. Text between tags is one
 * `text` event. Leaving the loop early stops reading `chunks`.
 * @throws {SyntaxError} in the loop, when the document is not well-formed (expat's message and
 * line)
 */
export async function* xmlEvents(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: XmlEventsOptions = {},
): AsyncGenerator<XmlEvent, void, undefined> {
  const channel = new Channel<XmlEvent>();
  const parsing = parse(options.library ?? LIBEXPAT, chunks, channel)
    .then(() => channel.end(), (error) => channel.fail(error));
  try {
    yield* channel;
  } finally {
    await parsing; // a loop left early makes the next handler stop expat
  }
}

/** Feeds `chunks` to expat on native greenlets, pushing each event into `channel`. */
async function parse(
  library: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  channel: Channel<XmlEvent>,
): Promise<void> {
  using expat = loadLibrary(library, EXPAT_FUNCTIONS);
  const parser = callNativeSync(expat.symbols.XML_ParserCreate, [null]);
  if (parser === null) throw new Error("Cannot create an expat parser: out of memory");

  const decoder = new TextDecoder();
  let text = "";
  // Hands the text gathered so far, then `event`, to the loop, waiting for it each time. When the
  // loop has stopped, asks expat to stop too (a handler may call XML_StopParser).
  function* emit(event: XmlEvent): Op<void> {
    let more = !channel.stopped;
    if (more && text !== "") {
      const gathered = text + decoder.decode();
      text = "";
      more = yield* awaitOnly(channel.push({ type: "text", text: gathered }));
    }
    if (more) more = yield* awaitOnly(channel.push(event));
    if (!more) callNativeSync(expat.symbols.XML_StopParser, [parser, 0]);
  }
  // void start(void *userData, const XML_Char *name, const XML_Char **atts)
  using start = nativeCallback(
    { parameters: ["pointer", "pointer", "pointer"], result: "void" },
    function* (_user: NativePointer, name: NativePointer, atts: NativePointer) {
      yield* emit({ type: "start", name: readCString(name), attributes: attributes(atts) });
    },
  );
  // void end(void *userData, const XML_Char *name)
  using end = nativeCallback(
    { parameters: ["pointer", "pointer"], result: "void" },
    function* (_user: NativePointer, name: NativePointer) {
      yield* emit({ type: "end", name: readCString(name) });
    },
  );
  // void characters(void *userData, const XML_Char *s, int len): s is not NUL-terminated
  using characters = nativeCallback(
    { parameters: ["pointer", "pointer", "i32"], result: "void" },
    (_user: NativePointer, s: NativePointer, len: number): void => {
      const view = viewAt(s, len);
      text += decoder.decode(new Uint8Array(view.buffer, view.byteOffset, len), { stream: true });
    },
  );

  try {
    callNativeSync(expat.symbols.XML_SetElementHandler, [parser, start, end]);
    callNativeSync(expat.symbols.XML_SetCharacterDataHandler, [parser, characters]);
    const feed = async (chunk: Uint8Array | null, final: boolean): Promise<void> => {
      const length = chunk?.length ?? 0;
      const status = await callNative(expat.symbols.XML_Parse, [parser, chunk, length, +final]);
      if (status !== XML_STATUS_OK && !channel.stopped) {
        const code = callNativeSync(expat.symbols.XML_GetErrorCode, [parser]);
        const message = readCString(callNativeSync(expat.symbols.XML_ErrorString, [code]));
        const line = callNativeSync(expat.symbols.XML_GetCurrentLineNumber, [parser]);
        throw new SyntaxError(`Cannot parse XML: ${message} at line ${line}`);
      }
    };
    for await (const chunk of chunks) {
      await feed(chunk, false);
      if (channel.stopped) return; // before reading another chunk
    }
    await feed(null, true); // text after the root element is whitespace only: dropped
  } finally {
    callNativeSync(expat.symbols.XML_ParserFree, [parser]);
  }
}

/** expat's attribute array: name, value, name, value, ..., NULL (char pointers). */
function attributes(atts: NativePointer): Record<string, string> {
  const out: Record<string, string> = {};
  let words = viewAt(atts, 256); // room for 16 pairs; made longer for more
  for (let at = 0;; at += 16) {
    if (at + 16 > words.byteLength) words = viewAt(atts, words.byteLength * 8);
    const name = words.getBigUint64(at, true);
    if (name === 0n) return out;
    out[readCString(pointerFromAddress(name))] = readCString(
      pointerFromAddress(words.getBigUint64(at + 8, true)),
    );
  }
}

// The command line: an outline of the document, gzip-compressed (.gz) or not.
if (import.meta.main) {
  const path = process.argv[2];
  if (path === undefined) {
    console.error("usage: xml_events.ts FILE.xml[.gz]");
    process.exit(2);
  }
  const library = process.env.GREENLET_EXAMPLE_LIBEXPAT ?? LIBEXPAT;
  const chunks = path.endsWith(".gz")
    ? gunzip(path, { library: process.env.GREENLET_EXAMPLE_LIBZ })
    : createReadStream(path) as AsyncIterable<Uint8Array>;
  let depth = 0;
  for await (const event of xmlEvents(chunks, { library })) {
    if (event.type === "start") {
      const attributes = Object.entries(event.attributes).map(([k, v]) => ` ${k}="${v}"`).join("");
      console.log(`${"  ".repeat(depth++)}<${event.name}${attributes}>`);
    } else if (event.type === "end") depth--;
  }
}
