import { describe, expect, it } from "vitest";
import { readPromptTexts } from "../../src/tts/index.js";
import { cardinal, protocolPrompts } from "../../src/ivr/numbers.js";
import { untilPrompts, whenPrompts } from "../../src/ivr/when.js";

/** What the caller hears: the pt-BR sentences of the prompt ids, in order. */
const TEXTS = readPromptTexts("sounds");
const spoken = (ids: string[]) =>
  ids
    .map((id) => {
      const text = TEXTS.get(id);
      if (text === undefined) throw new Error(`no prompt ${id}`);
      return text;
    })
    .join(" ");

describe("cardinals in pt-BR, from recorded fragments", () => {
  it.each([
    [0, "zero"],
    [1, "um"],
    [7, "sete"],
    [10, "dez"],
    [15, "quinze"],
    [21, "vinte e um"],
    [46, "quarenta e seis"],
    [99, "noventa e nove"],
    [100, "cem"],
    [101, "cento e um"],
    [110, "cento e dez"],
    [200, "duzentos"],
    [342, "trezentos e quarenta e dois"],
    [999, "novecentos e noventa e nove"],
    [1000, "mil"],
    [1001, "mil e um"],
    [1100, "mil e cem"],
    [1500, "mil e quinhentos"],
    [1980, "mil novecentos e oitenta"],
    [1234, "mil duzentos e trinta e quatro"],
    [2000, "dois mil"],
    [2025, "dois mil e vinte e cinco"],
    [2026, "dois mil e vinte e seis"],
    [9999, "nove mil novecentos e noventa e nove"],
  ])("%i → %s", (n, words) => {
    expect(spoken(cardinal(n))).toBe(words);
  });

  it("feminine: uma, duas, duzentas (hours, feminine nouns)", () => {
    expect(spoken(cardinal(1, "feminine"))).toBe("uma");
    expect(spoken(cardinal(22, "feminine"))).toBe("vinte e duas");
    expect(spoken(cardinal(201, "feminine"))).toBe("duzentas e uma");
    expect(spoken(cardinal(2002, "feminine"))).toBe("duas mil e duas");
  });

  it("is never digit by digit: every number up to 9,999 has a fragment for each part, and no number is a run of digits", () => {
    for (let n = 0; n <= 9999; n++) {
      const ids = cardinal(n);
      expect(ids.length).toBeLessThanOrEqual(9);
      if (n >= 10) expect(ids.filter((id) => id.startsWith("digit-")).length).toBeLessThanOrEqual(2);
    }
  });

  it("refuses what it cannot say", () => {
    for (const n of [-1, 10_000, 1.5, Number.NaN]) expect(() => cardinal(n)).toThrow(RangeError);
  });
});

describe("times and dates", () => {
  const now = new Date("2025-03-11T13:00:00Z"); // Tuesday 10:00 in São Paulo
  const when = (local: string) => spoken(whenPrompts(local, now, "America/Sao_Paulo"));

  it("'uma e quarenta e seis', not 'uma hora e quatro seis'", () => {
    expect(when("2025-03-11T13:46:00-03:00")).toBe("hoje às treze e quarenta e seis");
    expect(when("2025-03-12T01:46:00-03:00")).toBe("amanhã à uma e quarenta e seis");
    expect(when("2025-03-12T00:05:00-03:00")).toBe("amanhã à meia-noite e cinco");
    expect(when("2025-03-12T12:30:00-03:00")).toBe("amanhã ao meio-dia e trinta");
    expect(when("2025-03-12T21:01:00-03:00")).toBe("amanhã às vinte e uma e um");
  });

  it("on the hour: 'às oito horas'", () => {
    expect(when("2025-03-12T08:00:00-03:00")).toBe("amanhã às oito horas");
  });

  it("dates: weekday within the week, else the day and month, and the year when it is another one", () => {
    expect(when("2025-03-14T09:15:00-03:00")).toBe("na sexta-feira às nove e quinze");
    expect(when("2025-04-23T09:00:00-03:00")).toBe("no dia vinte e três de abril às nove horas");
    expect(when("2024-12-20T17:59:00-03:00")).toBe("no dia vinte de dezembro de dois mil e vinte e quatro às dezessete e cinquenta e nove");
  });

  it("the end of a limit (the API's `until`, an instant): local time, rounded up to the minute so the caller never calls back too early", () => {
    const until = (iso: string | undefined) => spoken(untilPrompts(iso, now, "America/Sao_Paulo"));
    expect(until("2025-03-11T13:30:00.000Z")).toBe("hoje às dez e trinta");
    expect(until("2025-03-11T13:29:40.123Z")).toBe("hoje às dez e trinta");
    expect(until("2025-03-11T13:59:01Z")).toBe("hoje às onze horas");
    expect(until("2025-03-12T02:59:30Z")).toBe("amanhã à meia-noite");
    expect(until(undefined)).toBe("");
    expect(until("not a date")).toBe("");
  });
});

describe("the protocol, in groups a person can write down", () => {
  it("reads each group digit by digit, with a pause between groups", () => {
    expect(spoken(protocolPrompts("10042"))).toBe("um zero zero [pausa 300 ms] quatro dois");
    expect(protocolPrompts("1123456").filter((p) => p === "pause")).toHaveLength(2);
    // An old year-based protocol is still read, in four groups of three.
    expect(protocolPrompts("202500100042").filter((p) => p === "pause")).toHaveLength(3);
  });
});
