"""Synthetic people: Chinese names and mobile numbers drawn from the seed's random stream."""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华玉兰萍红建国志文利民海燕亮鹏飞波辉宁浩凯峰"
    "梅琳雪婷晨阳斌宇春林"
)
MOBILE_PREFIXES = ("13", "15", "17", "18", "19")


def _person(rng: random.Random) -> str:
    """A synthetic Chinese name: common surname, one or two given-name characters."""
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    """A synthetic mobile number in the 1xx-xxxx-xxxx form the offices write."""
    head = rng.choice(MOBILE_PREFIXES) + str(rng.randrange(10))
    return f"{head}-{rng.randrange(10_000):04d}-{rng.randrange(10_000):04d}"
