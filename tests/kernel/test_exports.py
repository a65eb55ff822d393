"""Exports: injection-safe CSV and xlsx that Excel opens with Chinese intact, and GeoJSON."""

import io
import json

import openpyxl
import pandas as pd
import pytest

from registry.kernel.exports import (
    neutralise,
    safe_sheet_name,
    to_csv_bytes,
    to_excel_bytes,
    to_geojson_bytes,
)

INJECTIONS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def frame():
    return pd.DataFrame(
        {
            "名称": ["新浦街道应急物资储备库", '=HYPERLINK("http://x")', "板浦镇库"],
            "数量": [120, -5, 0],
            "面积": [35.5, -0.25, None],
            "负责人": ["王明", "@SUM(1)", None],
        }
    )


def read_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


@pytest.mark.parametrize("text", INJECTIONS)
def test_neutralise_prefixes_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["王明", "a=b", "", " =x", -5, -0.5, 0, None, True])
def test_neutralise_leaves_other_values_alone(value):
    assert neutralise(value) is value


def test_csv_has_a_bom_and_keeps_chinese():
    data = to_csv_bytes(frame())
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["名称", "数量", "面积", "负责人"]
    assert back["名称"][0] == "新浦街道应急物资储备库"
    assert back["负责人"][0] == "王明"


@pytest.mark.parametrize("text", INJECTIONS)
def test_csv_neutralises_every_injection_prefix(text):
    data = to_csv_bytes(pd.DataFrame({"备注": [text], "数量": [1]}))
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert back["备注"][0] == "'" + text


def test_csv_keeps_numbers_numeric():
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame())), encoding="utf-8-sig")
    assert back["数量"].tolist() == [120, -5, 0]
    assert back["面积"][1] == -0.25
    assert back["名称"][1] == '\'=HYPERLINK("http://x")'
    assert back["负责人"][1] == "'@SUM(1)"


@pytest.mark.parametrize("text", INJECTIONS)
def test_xlsx_neutralises_every_injection_prefix(text):
    sheet = read_xlsx(to_excel_bytes(pd.DataFrame({"备注": [text]}), "导出"))
    cell = sheet["A2"]
    assert cell.value.startswith("'")
    assert cell.value == "'" + text  # lxml (pinned) writes a CR as &#13;, so it survives
    assert cell.data_type != "f"


def test_xlsx_keeps_numbers_and_chinese():
    sheet = read_xlsx(to_excel_bytes(frame(), "储备库"))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("名称", "数量", "面积", "负责人")
    assert rows[1] == ("新浦街道应急物资储备库", 120, 35.5, "王明")
    assert rows[2] == ('\'=HYPERLINK("http://x")', -5, -0.25, "'@SUM(1)")
    assert rows[3] == ("板浦镇库", 0, None, None)
    assert sheet["B3"].data_type == "n"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_header_is_bold_frozen_and_columns_fit():
    sheet = read_xlsx(to_excel_bytes(frame().drop(index=1), "储备库"))
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    name_width = sheet.column_dimensions["A"].width
    assert name_width == 2 * len("新浦街道应急物资储备库") + 2  # CJK characters count double
    assert sheet.column_dimensions["B"].width < name_width


def test_xlsx_drops_characters_excel_refuses():
    sheet = read_xlsx(to_excel_bytes(pd.DataFrame({"备注": ["坏\x00字\x07符"]}), "导出"))
    assert sheet["A2"].value == "坏字符"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("储备库", "储备库"),
        ("2026/11 库存[海州]:*?\\", "2026_11 库存_海州_____"),
        (
            "海州区应急物资储备库库存台账汇总表二〇二六年十一月底各镇街分库明细",
            "海州区应急物资储备库库存台账汇总表二〇二六年十一月底各镇街分库",
        ),
        ("'引号'", "引号"),
        ("", "Sheet1"),
    ],
)
def test_sheet_names_are_made_valid(name, expected):
    assert safe_sheet_name(name) == expected
    assert len(expected) <= 31
    assert read_xlsx(to_excel_bytes(frame(), name)).title == expected


def test_geojson_points_with_properties():
    rows = [
        {"id": 1, "name": "新浦库", "lon": 119.19, "lat": 34.606, "available": 40},
        {"id": 2, "name": "无坐标库", "lon": None, "lat": None},
        {"id": 3, "name": "板浦库", "lon": 119.241482, "lat": 34.488027, "available": -1},
    ]
    data = to_geojson_bytes(rows)
    assert "新浦库".encode() in data  # not \u escapes
    collection = json.loads(data.decode("utf-8"))
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == 2
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [119.19, 34.606]}
    assert features[0]["properties"] == {"id": 1, "name": "新浦库", "available": 40}
    assert features[1]["geometry"]["coordinates"] == [119.241482, 34.488027]


def test_geojson_with_other_coordinate_keys():
    rows = [{"name": "队", "base_lon": 119.2, "base_lat": 34.6}, {"name": "无", "base_lon": 119.2}]
    collection = json.loads(to_geojson_bytes(rows, lon_key="base_lon", lat_key="base_lat"))
    assert [f["properties"] for f in collection["features"]] == [{"name": "队"}]
    assert collection["features"][0]["geometry"]["coordinates"] == [119.2, 34.6]
