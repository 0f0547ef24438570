"""Nightly ETL without any AI: orders CSV into SQLite, a revenue report as Parquet."""
import sqlite3
from pathlib import Path

import pandas as pd

DB_PATH = "warehouse/shop.sqlite"


def load_orders(conn: sqlite3.Connection) -> None:
    orders = pd.read_csv("landing/orders.csv", parse_dates=["created_at"])
    orders.to_sql("orders", conn, if_exists="append", index=False)


def revenue_report(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT date(created_at) AS day, SUM(amount) AS revenue FROM orders GROUP BY date(created_at)", conn)


def main() -> None:
    conn = sqlite3.connect(DB_PATH)
    load_orders(conn)
    report = revenue_report(conn)
    report.to_parquet("reports/daily_revenue.parquet")
    Path("reports/LAST_RUN").write_text(str(len(report)))


if __name__ == "__main__":
    main()
