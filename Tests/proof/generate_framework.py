#!/usr/bin/env python3
"""Writes Workflows/framework/flourish.json from the strategy document's own words.

Reads "Flourishing in Norfolk" (shared/seeds/002_…) and takes, between the document's
headings, each FLOURISH area's impact statement, outcomes and tailored determinants, the
universal determinants, and each priority's "what needs to happen" items (headline actions
with the items beneath them) and success measures. Nothing is paraphrased.
Run: python3 generate_framework.py PATH/TO/002_….txt
"""
import json, pathlib, re, sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Workflows" / "framework" / "flourish.json"
AREAS = [("family-and-friends", "F", "Family and friends"), ("learning", "L", "Learning"), ("opportunity", "O", "Opportunity"),
         ("understood", "U", "Understood"), ("resilience", "R", "Resilience"), ("individual", "I", "Individual"),
         ("safe-and-secure", "S", "Safe and secure"), ("healthy", "H", "Healthy")]
PRIORITIES = [
    ("prevention-and-early-help", "Prevention and early help", "Prevention and Early Help", ["family-and-friends", "resilience", "safe-and-secure", "healthy"]),
    ("mental-health-and-wellbeing", "Mental health and emotional wellbeing", "Mental Health and Emotional Wellbeing", ["healthy", "resilience", "understood"]),
    ("send", "Special educational needs and disabilities (SEND)", "Special Educational Needs and Disability (SEND)", ["learning", "opportunity", "individual", "understood"]),
    ("learning-gaps", "Addressing gaps in learning", "Addressing Gaps in Learning", ["learning", "opportunity"]),
]


def section(lines, start, stop):
    """Lines after the first line equal to `start` (from index `start_at`) up to a line equal to `stop`."""
    i = lines.index(start)
    j = next(k for k in range(i + 1, len(lines)) if lines[k] == stop)
    return lines[i + 1:j]


def bullets(block):
    return [l[2:].strip() for l in block if l.startswith("- ")]


def main(path):
    text = pathlib.Path(path).read_text(encoding="utf-8")
    lines = [l.rstrip() for l in text.splitlines()]
    # Impact statements: "We want Norfolk to be a county…" then name / statement pairs.
    start = lines.index("We want Norfolk to be a county where every child can flourish:")
    impact = {}
    k = start + 1
    names = [n for _, _, n in AREAS]
    while len(impact) < len(AREAS):
        if lines[k] in names and lines[k] not in impact:
            j = k + 1
            while not lines[j].strip():
                j += 1
            impact[lines[k]] = lines[j].strip()
            k = j
        k += 1
    outcomes_start = lines.index("FLOURISH Outcomes", start)
    determinants_start = lines.index("Tailored Determinants")
    areas = []
    for idx, (key, letter, name) in enumerate(AREAS):
        def area_block(begin):
            i = lines.index(name, begin)
            nxt = AREAS[idx + 1][2] if idx + 1 < len(AREAS) else None
            j = lines.index(nxt, i + 1) if nxt else len(lines)
            if not nxt:
                for stop in ("How we will know we are succeeding", "Early Years and Parenting"):
                    if stop in lines[i:]:
                        j = min(j, lines.index(stop, i))
            run, started = [], False
            for l in lines[i + 1:j]:  # the first run of bullets under the name
                if l.startswith("- "):
                    run.append(l[2:].strip()); started = True
                elif started and l.strip():
                    break
            return run
        areas.append({"key": key, "letter": letter, "name": name, "impactStatement": impact[name],
                      "outcomes": area_block(outcomes_start + 1), "determinants": area_block(determinants_start + 1)})
    universal = bullets(section(lines, "Universal determinants – applicable across all FLOURISH impacts", "Tailored Determinants"))
    priorities = []
    heads = [title for _, _, title, _ in PRIORITIES]
    # The detailed priority sections come after the document's "Prevention and Early Help" narrative heading
    # (the second occurrence of each title; the first is the contents page).
    for n, (key, name, title, area_keys) in enumerate(PRIORITIES):
        occurrences = [i for i, l in enumerate(lines) if l == title]
        i = occurrences[-1]
        end = next((k for k in range(i + 1, len(lines)) if n + 1 < len(PRIORITIES) and lines[k] == heads[n + 1] and k > i + 20),
                   lines.index("Working together to deliver ‘what works’"))
        body = lines[i:end]
        w = next(k for k, l in enumerate(body) if l.startswith("What needs to happen"))
        s = next(k for k, l in enumerate(body) if l.startswith("What success will look like"))
        items = []
        for l in body[w + 1:s]:
            t = l.strip()
            if not t or t.startswith("We need to ensure"):
                continue
            items.append(t[2:].strip() if t.startswith("- ") else t)
        measures = bullets(body[s + 1:])
        priorities.append({"key": key, "name": name, "areas": area_keys,
                           "whatNeedsToHappen": [{"key": f"{key}.{i + 1}", "text": t} for i, t in enumerate(items)],
                           "successMeasures": [{"key": f"{key}.m{i + 1}", "text": t} for i, t in enumerate(measures)]})
    doc = {"formatVersion": 1, "key": "flourish", "name": "FLOURISH outcomes framework",
           "source": "Flourishing in Norfolk: Children and Young People Partnership Strategy 2021-2025",
           "areas": areas, "universalDeterminants": universal, "priorities": priorities}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    for a in areas:
        print(f"  {a['key']}: {len(a['outcomes'])} outcomes, {len(a['determinants'])} determinants")
    print(f"  universal determinants: {len(universal)}")
    for p in priorities:
        print(f"  {p['key']}: {len(p['whatNeedsToHappen'])} items, {len(p['successMeasures'])} success measures")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT.parent / "shared" / "seeds" / "002_9e98cb0228caf7d7.txt"))
