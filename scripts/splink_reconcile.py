"""Splink 5 (DuckDB backend) on the same two register files as `renkou reconcile`.

A reasonable model for these fields, as the issue describes it: exact identity
number, Splink's name and date-of-birth comparisons, exact sex and region;
blocking on identity number, birth date + sex, name + region. The cleaning a
Splink user would do in SQL first (trim, upper-case X, the four date layouts)
is part of the timed run; 15-digit numbers and traditional characters are
left as written (Splink has no notion of them).

Writes OUT/matches.csv (all pairs at probability >= 0.5, as Splink predicts
them) and OUT_1to1/matches.csv (the same, kept one to one greedily by
probability, as renkou does), both with left_record_id,right_record_id,score.

Usage: python splink_reconcile.py LEFT.csv RIGHT.csv OUT_DIR
"""

import os
import sys
import time

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def main(left_path: str, right_path: str, out_dir: str) -> None:
    started = time.time()
    con = duckdb.connect()
    clean = """
        SELECT record_id AS unique_id,
               NULLIF(upper(trim(id_number)), '') AS id_number,
               NULLIF(replace(trim(name), ' ', ''), '') AS name,
               NULLIF(trim(sex), '') AS sex,
               COALESCE(try_strptime(trim(birth_date), '%Y-%m-%d'),
                        try_strptime(trim(birth_date), '%Y%m%d'),
                        try_strptime(trim(birth_date), '%Y/%m/%d'),
                        try_strptime(trim(birth_date), '%Y年%m月%d日'))::DATE AS birth_date,
               NULLIF(trim(region_code), '') AS region_code
        FROM read_csv('{path}', all_varchar = true, header = true)
    """
    con.execute(f"CREATE TABLE left_register AS {clean.format(path=left_path)}")
    con.execute(f"CREATE TABLE right_register AS {clean.format(path=right_path)}")
    db = DuckDBAPI(connection=con)
    left = db.register("left_register", dataset_display_name="left")
    right = db.register("right_register", dataset_display_name="right")
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.ExactMatch("id_number"),
            cl.NameComparison("name"),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.ExactMatch("sex"),
            cl.ExactMatch("region_code"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id_number"),
            block_on("birth_date", "sex"),
            block_on("name", "region_code"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker([left, right], settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("id_number")], recall=0.95
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id_number"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_date", "sex")
    )
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    rel = predictions.as_duckdbpyrelation()
    con.register("predictions_rel", rel)
    # Orient each pair left -> right.
    con.execute(
        """
        CREATE TABLE pairs AS
        SELECT CASE WHEN source_dataset_l = 'left' THEN unique_id_l ELSE unique_id_r END AS left_record_id,
               CASE WHEN source_dataset_l = 'left' THEN unique_id_r ELSE unique_id_l END AS right_record_id,
               match_probability AS score
        FROM predictions_rel
        """
    )
    os.makedirs(out_dir, exist_ok=True)
    con.execute(
        f"COPY (SELECT * FROM pairs ORDER BY left_record_id, right_record_id) "
        f"TO '{out_dir}/matches.csv' (HEADER, DELIMITER ',')"
    )
    predicted = time.time() - started
    # The same pairs kept one to one, surest first (renkou's rule), for a like-for-like F1.
    taken_l, taken_r, kept = set(), set(), []
    for l, r, p in con.execute(
        "SELECT left_record_id, right_record_id, score FROM pairs ORDER BY score DESC, left_record_id, right_record_id"
    ).fetchall():
        if l not in taken_l and r not in taken_r:
            taken_l.add(l)
            taken_r.add(r)
            kept.append((l, r, p))
    one_to_one = out_dir.rstrip("/") + "_1to1"
    os.makedirs(one_to_one, exist_ok=True)
    with open(f"{one_to_one}/matches.csv", "w", encoding="utf-8") as f:
        f.write("left_record_id,right_record_id,score\n")
        for l, r, p in kept:
            f.write(f"{l},{r},{p:.6f}\n")
    n = con.execute("SELECT count(*) FROM pairs").fetchone()[0]
    print(
        f"splink {__import__('splink').__version__}: {n} pairs at p >= 0.5 "
        f"({len(kept)} one to one); {predicted:.1f} s to predictions, "
        f"{time.time() - started:.1f} s in all"
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
