#!/usr/bin/env python3
"""Quick structural check of corpus files for content writers: python3 check.py FILE..."""
import json, sys, tomllib, pathlib, collections
root = pathlib.Path(__file__).resolve().parent.parent
tax = tomllib.loads((root / "taxonomy.toml").read_text())
intents = {i["key"] for i in tax["intent"]}
emotions = {e["key"] for e in tax["emotion"]}
platforms = {"amazon", "ebay", "shopee", "lazada", "tiktok_shop", "mercado_libre", "aliexpress"}
ok = True
for path in sys.argv[1:]:
    counts = collections.Counter(); ctx = hard = exam = n = 0
    for no, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            m = json.loads(line)
            assert m["intent"] in intents, f"unknown intent {m['intent']}"
            assert m["emotion"] in emotions, f"unknown emotion {m['emotion']}"
            assert m["platform"] in platforms, f"unknown platform {m['platform']}"
            assert isinstance(m["escalate"], bool), "escalate must be true/false"
            assert m["split"] in ("practice", "exam"), "split must be practice/exam"
            assert m["rationale"]["en"] and m["rationale"]["zh-CN"], "rationale en and zh-CN"
            assert m["text"].strip() and m["id"] and m["lang"], "id, text, lang"
            for t in m.get("context", []):
                assert t["from"] in ("buyer", "seller") and t["text"].strip(), "context turn"
        except Exception as e:
            ok = False; print(f"{path}:{no}: {e}"); continue
        n += 1; counts[m["intent"]] += 1; ctx += bool(m.get("context")); hard += bool(m.get("hard")); exam += m["split"] == "exam"
    print(f"{path}: {n} messages, context {ctx}, hard {hard}, exam {exam}")
    print("  " + ", ".join(f"{k}={counts[k]}" for k in sorted(intents)))
sys.exit(0 if ok else 1)
