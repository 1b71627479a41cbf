#!/usr/bin/env python3
"""A police-like extract of a register CSV, made outside Renkou's generator.

    police_extract.py REGISTRY.csv OUT.csv --seed S           # first extract
    police_extract.py PREVIOUS.csv OUT.csv --seed S --newer   # a month later

First extract: 2% of the persons left out, 1% with a changed given name,
0.5% recorded dead; record ids of the police's own (P1, P2, ...).
A newer extract of that one: 0.5% renamed again, 0.3% with a corrected
birth day, 0.2% left out, 0.3% newcomers (no identity number yet).
"""
import csv
import random
import sys

GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"


def rename(name, rng):
    return name[:-1] + rng.choice(GIVEN) if len(name) > 1 else name + rng.choice(GIVEN)


def main():
    args = sys.argv[1:]
    source, out = args[0], args[1]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
    newer = "--newer" in args
    rng = random.Random(seed)
    with open(source, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows = list(reader)
    kept = []
    if not newer:
        for n, row in enumerate(rows, 1):
            if rng.random() < 0.02:
                continue
            row["record_id"] = f"P{n}"
            x = rng.random()
            if x < 0.01:
                row["name"] = rename(row["name"], rng)
            elif x < 0.015 and row.get("status") != "dead":
                row["status"] = "dead"
                if "death_date" in row:
                    row["death_date"] = "2026-10-01"
            kept.append(row)
    else:
        last = len(rows)
        for row in rows:
            x = rng.random()
            if x < 0.002:
                continue
            if x < 0.007:
                row["name"] = rename(row["name"], rng)
            elif x < 0.010 and row.get("birth_date", "")[8:10].isdigit():
                day = int(row["birth_date"][8:10])
                row["birth_date"] = row["birth_date"][:8] + f"{(day % 28) + 1:02d}"
            kept.append(row)
            if rng.random() < 0.003:
                last += 1
                newcomer = dict(row)
                newcomer["record_id"] = f"N{last}"
                newcomer["id_number"] = ""
                newcomer["name"] = rename(row["name"][:1] + "小", rng)
                newcomer["birth_date"] = "2026-0%d-1%d" % (rng.randint(1, 9), rng.randint(0, 9))
                for column in ("household_no", "relation", "status", "death_date"):
                    if column in newcomer:
                        newcomer[column] = "" if column != "status" else "active"
                kept.append(newcomer)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(kept)
    print(f"{out}: {len(kept)} records from {len(rows)}")


if __name__ == "__main__":
    main()
