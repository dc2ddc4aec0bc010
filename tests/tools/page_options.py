"""The command line browser.py (Chromium) and firefox.py (Firefox) share: a page, the condition to wait for, and what to save."""
import argparse


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--until", required=True, help="a JS expression the page must make truthy")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--dom")
    parser.add_argument("--screenshot")
    parser.add_argument("--eval", action="append", default=[])
    parser.add_argument("--size", default="1600,1100")
    return parser.parse_args()
