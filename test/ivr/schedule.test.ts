import { describe, expect, it } from "vitest";
import { schedulePrompts } from "../../src/ivr/schedule.js";

const week = (days: number[], opens: string, closes: string) => days.map((weekday) => ({ weekday, opens, closes }));

describe("the weekly schedule read aloud", () => {
  it("Monday to Friday with a lunch break, and Saturday morning: one range, then the single day", () => {
    const schedule = [...week([1, 2, 3, 4, 5], "13:30", "18:00"), ...week([1, 2, 3, 4, 5], "08:00", "12:00"), ...week([6], "08:00", "12:00")];
    expect(schedulePrompts(schedule)).toEqual([
      "from-weekday-1", "to-weekday-5", "from-8", "at-hour-12", "and", "from-13", "and", "num-30", "at-hour-18",
      "pause", "weekday-6", "from-8", "at-hour-12",
    ]);
  });

  it("a day with other hours breaks the range; a day without hours is not said", () => {
    const schedule = [...week([1, 2], "08:00", "17:00"), ...week([3], "07:45", "17:00"), ...week([4], "08:00", "17:00")];
    expect(schedulePrompts(schedule)).toEqual([
      "from-weekday-1", "to-weekday-2", "from-8", "at-hour-17",
      "pause", "weekday-3", "from-7", "and", "num-40", "and", "digit-5", "at-hour-17",
      "pause", "weekday-4", "from-8", "at-hour-17",
    ]);
  });

  it("the whole week round the clock: Monday to Sunday, from midnight to midnight; no schedule says nothing", () => {
    expect(schedulePrompts(week([0, 1, 2, 3, 4, 5, 6], "00:00", "24:00"))).toEqual(["from-weekday-1", "to-weekday-0", "from-0", "at-hour-0"]);
    expect(schedulePrompts([])).toEqual([]);
  });
});
