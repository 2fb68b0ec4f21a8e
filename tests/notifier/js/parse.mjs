// Read an .ics file with the parsers that calendar clients use and print what each saw:
// {"ical.js": [event...], "node-ical": [event...]}, event = {uid, summary, start, end, status,
// sequence}, dates as YYYY-MM-DD (DTEND exclusive, as written). Used by test_feed_clients.py.
// Usage: node parse.mjs FILE.ics
import { readFileSync } from "node:fs";

import ICAL from "ical.js"; // the parser inside Thunderbird
import nodeIcal from "node-ical";

const text = readFileSync(process.argv[2], "utf8");

function pad(n) {
  return String(n).padStart(2, "0");
}

function icalTimeDay(t) {
  return t.isDate ? t.toString() : `not a date: ${t.toString()}`;
}

function withIcalJs() {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      summary: event.summary,
      start: icalTimeDay(event.startDate),
      end: icalTimeDay(event.endDate),
      status: component.getFirstPropertyValue("status"),
      sequence: event.sequence,
    };
  });
}

function nodeIcalDay(d) {
  // All-day dates come back as local midnight, flagged dateOnly.
  if (!d || !d.dateOnly) return `not a date: ${d}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function withNodeIcal() {
  const parsed = nodeIcal.sync.parseICS(text);
  return Object.values(parsed)
    .filter((item) => item.type === "VEVENT")
    .map((event) => ({
      uid: event.uid,
      summary: typeof event.summary === "object" ? event.summary.val : event.summary,
      start: nodeIcalDay(event.start),
      end: nodeIcalDay(event.end),
      status: event.status,
      sequence: Number(event.sequence),
    }));
}

process.stdout.write(JSON.stringify({ "ical.js": withIcalJs(), "node-ical": withNodeIcal() }));
