"""The event-pattern table: (pattern, event, expected match), each with its source rule.

Sources are the EventBridge User Guide pages "Event patterns", "Arrays in event
patterns", "Content filtering in event patterns" (prefix, suffix, anything-but, numeric,
IP address, exists, equals-ignore-case, wildcard, $or), "Matching null values and empty
strings" and the comparison-operator table, plus the documented behaviour of the engine
behind EventBridge (array consistency, dotted keys, six-decimal numbers). Every event is
a full envelope (TestEventPattern requires id, account, source, time, region, resources
and detail-type), so the same table runs through the engine and through the wire.
"""

# ruff: noqa: E501  (a table: one case per line reads best)
from __future__ import annotations

import copy
from typing import Any, NamedTuple


class Case(NamedTuple):
    pattern: dict[str, Any]
    event: dict[str, Any]
    expected: bool
    source: str


BASE: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}


def ev(**overrides: Any) -> dict[str, Any]:
    """The base envelope with top-level fields replaced (detail_type -> detail-type)."""
    event = copy.deepcopy(BASE)
    for key, value in overrides.items():
        event[key.replace("_", "-")] = value
    return event


def d(detail: Any) -> dict[str, Any]:
    """The base envelope with `detail` replaced."""
    return ev(detail=detail)


CASES: list[Case] = []


def case(pattern: dict[str, Any], event: dict[str, Any], expected: bool, source: str) -> None:
    CASES.append(Case(pattern, event, expected, source))


# fmt: off
# --- Event patterns: structure, exact values, AND across fields -------------------------
S = "eb-event-patterns: values are exact, case-sensitive"
case({"source": ["aws.ec2"]}, ev(), True, S)
case({"source": ["aws.EC2"]}, ev(), False, S)
case({"source": ["aws.ec2 "]}, ev(), False, S + " (no trimming)")
case({"source": ["aws.s3", "aws.ec2"]}, ev(), True, "eb-event-patterns: OR within one array")
case({"source": ["aws.s3", "aws.sqs"]}, ev(), False, "eb-event-patterns: OR within one array")
case({"detail-type": ["EC2 Instance State-change Notification"]}, ev(), True, S)
case({"source": ["aws.ec2"], "detail-type": ["Other"]}, ev(), False, "eb-event-patterns: AND across fields")
case({"source": ["aws.ec2"], "region": ["us-west-1"]}, ev(), True, "eb-event-patterns: AND across fields")
case({"account": ["111122223333"]}, ev(), True, "eb-event-patterns: account is a string field")
case({"account": [111122223333]}, ev(), False, "eb-event-patterns: a number never equals a string")
case({"detail": {"state": ["terminated"]}}, ev(), True, "eb-event-patterns: nested detail fields")
case({"detail": {"state": ["running"]}}, ev(), False, "eb-event-patterns: nested detail fields")
case({"detail": {"state": ["terminated"]}, "source": ["aws.ec2"]}, ev(), True, "eb-event-patterns: fields not named are ignored")
case({"detail": {"missing": ["x"]}}, ev(), False, "eb-event-patterns: a named field must be present")
case({"nope": ["x"]}, ev(), False, "eb-event-patterns: a named field must be present")
case({"detail": {"a": {"b": {"c": ["deep"]}}}}, d({"a": {"b": {"c": "deep"}}}), True, "eb-event-patterns: nesting at any depth")
case({"detail": {"a": {"b": {"c": ["deep"]}}}}, d({"a": {"b": {"c": "shallow"}}}), False, "eb-event-patterns: nesting at any depth")
case({"detail": {"a": {"b": ["x"]}}}, d({"a": "x"}), False, "eb-event-patterns: structure must match")
case({"detail": {"a": ["x"]}}, d({"a": {"b": "x"}}), False, "eb-event-patterns: a leaf value does not match an object")
case({"detail": {"a.b": ["x"]}}, d({"a": {"b": "x"}}), True, "engine: field paths are dotted, so a dotted key names the nested field")
case({"detail": {"a": {"b": ["x"]}}}, d({"a.b": "x"}), True, "engine: field paths are dotted, so a dotted event key is the same path")
case({"detail": {"state": ["terminated"]}, "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]}, ev(), True, "eb-event-patterns: example with resources")

# --- Numbers, booleans, null, empty strings ---------------------------------------------
N = "eb-event-patterns: numbers match numerically"
case({"detail": {"n": [5]}}, d({"n": 5}), True, N)
case({"detail": {"n": [5]}}, d({"n": 5.0}), True, N + " (5 equals 5.0)")
case({"detail": {"n": [5]}}, d({"n": 5.000001}), False, N)
case({"detail": {"n": [300]}}, d({"n": 3.0e2}), True, N + " (exponent form)")
case({"detail": {"n": [5]}}, d({"n": "5"}), False, "eb-event-patterns: a number does not match a string")
case({"detail": {"n": ["5"]}}, d({"n": 5}), False, "eb-event-patterns: a string does not match a number")
case({"detail": {"n": [-1.5]}}, d({"n": -1.5}), True, N)
case({"detail": {"n": [0]}}, d({"n": -0.0}), True, N + " (zero)")
case({"detail": {"n": [123456789012]}}, d({"n": 123456789012}), True, "engine: numbers beyond 5e9 still match literally")
case({"detail": {"n": [123456789012]}}, d({"n": 123456789013}), False, "engine: numbers beyond 5e9 still match literally")
case({"detail": {"b": [True]}}, d({"b": True}), True, "eb-event-patterns: true/false match booleans")
case({"detail": {"b": [True]}}, d({"b": False}), False, "eb-event-patterns: true/false match booleans")
case({"detail": {"b": [True]}}, d({"b": "true"}), False, "eb-event-patterns: true does not match the string \"true\"")
case({"detail": {"b": [False]}}, d({"b": False}), True, "eb-event-patterns: true/false match booleans")
NL = "eb-event-patterns-null-values: null matches only null"
case({"detail": {"x": [None]}}, d({"x": None}), True, NL)
case({"detail": {"x": [None]}}, d({"x": ""}), False, NL + " (not the empty string)")
case({"detail": {"x": [None]}}, d({}), False, NL + " (not an absent field)")
case({"detail": {"x": [None]}}, d({"x": "null"}), False, NL + " (not the string \"null\")")
case({"detail": {"x": [""]}}, d({"x": ""}), True, "eb-event-patterns-null-values: empty string matches empty string")
case({"detail": {"x": [""]}}, d({"x": None}), False, "eb-event-patterns-null-values: empty string is not null")
case({"detail": {"x": ["", None]}}, d({"x": None}), True, "eb-event-patterns-null-values: either value")
case({"detail": {"x": ["a", 1, True, None]}}, d({"x": 1}), True, "eb-event-patterns: mixed value types in one array")

# --- Arrays -------------------------------------------------------------------------------
A = "eb-event-patterns-arrays: event array matches if the intersection is non-empty"
ARN1 = "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"
ARN2 = "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"
ASG = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate"
case({"resources": [ARN1, ARN2]}, ev(resources=[ASG, ARN1]), True, A)
case({"resources": [ARN1, ARN2]}, ev(resources=[ASG]), False, A)
case({"resources": [ARN2]}, ev(resources=[ARN1, ARN2]), True, A)
case({"resources": [ARN1]}, ev(resources=[]), False, A + " (empty array has no values)")
case({"detail": {"tags": ["b"]}}, d({"tags": ["a", "b", "c"]}), True, A)
case({"detail": {"tags": ["z"]}}, d({"tags": ["a", "b", "c"]}), False, A)
case({"detail": {"tags": [{"prefix": "b"}]}}, d({"tags": ["abc", "bcd"]}), True, A + " (with operators)")
case({"detail": {"n": [{"numeric": [">", 10]}]}}, d({"n": [1, 2, 30]}), True, A + " (with numeric)")
case({"detail": {"n": [{"numeric": [">", 100]}]}}, d({"n": [1, 2, 30]}), False, A + " (with numeric)")
case({"detail": {"m": ["a"]}}, d({"m": [["a", "b"]]}), True, "engine: nested arrays are flattened")
case({"detail": {"items": {"name": ["order"]}}}, d({"items": [{"name": "order"}, {"name": "x"}]}), True, "engine: fields inside an array of objects")
case({"detail": {"items": {"name": ["order"]}}}, d({"items": [{"name": "x"}]}), False, "engine: fields inside an array of objects")
AC = "engine: array consistency, two fields must match in the same array element"
case({"detail": {"items": {"name": ["a"], "qty": [1]}}}, d({"items": [{"name": "a", "qty": 1}, {"name": "b", "qty": 2}]}), True, AC)
case({"detail": {"items": {"name": ["a"], "qty": [2]}}}, d({"items": [{"name": "a", "qty": 1}, {"name": "b", "qty": 2}]}), False, AC)
case({"detail": {"items": {"name": ["b"], "qty": [2]}}}, d({"items": [{"name": "a", "qty": 1}, {"name": "b", "qty": 2}]}), True, AC)
case({"detail": {"x": ["a"], "items": {"qty": [2]}}}, d({"x": "a", "items": [{"qty": 1}, {"qty": 2}]}), True, AC + " (fields outside the array are free)")
case({"detail": {"a": {"b": ["1"]}, "c": {"d": ["2"]}}}, d({"a": [{"b": "1"}], "c": [{"d": "2"}]}), True, AC + " (different arrays are independent)")

# --- Prefix -------------------------------------------------------------------------------
P = "content-filtering: prefix matching"
case({"time": [{"prefix": "2017-12-22"}]}, ev(), True, P)
case({"time": [{"prefix": "2017-10-02"}]}, ev(), False, P)
case({"region": [{"prefix": "us-"}]}, ev(), True, P)
case({"region": [{"prefix": "eu-"}]}, ev(), False, P)
case({"detail": {"n": [{"prefix": "1"}]}}, d({"n": 123}), False, P + " (strings only)")
case({"detail": {"s": [{"prefix": ""}]}}, d({"s": "anything"}), True, P + " (empty prefix matches every string)")
case({"detail": {"s": [{"prefix": ""}]}}, d({"s": None}), False, P + " (but not null)")
case({"detail": {"s": [{"prefix": "Event"}]}}, d({"s": "eventbridge"}), False, P + " (case-sensitive)")
PI = "content-filtering: prefix matching while ignoring case"
case({"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}, d({"service": "eventbridge"}), True, PI)
case({"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}, d({"service": "EVENTBRIDGE"}), True, PI)
case({"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}, d({"service": "SQS"}), False, PI)

# --- Suffix -------------------------------------------------------------------------------
SU = "content-filtering: suffix matching"
case({"detail": {"FileName": [{"suffix": ".png"}]}}, d({"FileName": "image.png"}), True, SU)
case({"detail": {"FileName": [{"suffix": ".png"}]}}, d({"FileName": "image.PNG"}), False, SU)
case({"detail": {"FileName": [{"suffix": ".png"}]}}, d({"FileName": "image.jpg"}), False, SU)
case({"detail": {"FileName": [{"suffix": ".png"}, {"suffix": ".jpg"}]}}, d({"FileName": "a.jpg"}), True, SU + " (several suffixes)")
SI = "content-filtering: suffix matching while ignoring case"
case({"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}, d({"FileName": "image.PNG"}), True, SI)
case({"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}, d({"FileName": "image.Png"}), True, SI)
case({"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}, d({"FileName": "image.gif"}), False, SI)

# --- Equals-ignore-case ---------------------------------------------------------------------
E = "content-filtering: equals-ignore-case matching"
case({"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]}, ev(), True, E)
case({"detail-type": [{"equals-ignore-case": "EC2 INSTANCE STATE-CHANGE NOTIFICATION"}]}, ev(), True, E)
case({"detail-type": [{"equals-ignore-case": "ec2 instance"}]}, ev(), False, E + " (whole value)")
case({"detail": {"n": [{"equals-ignore-case": "5"}]}}, d({"n": 5}), False, E + " (strings only)")

# --- Anything-but -------------------------------------------------------------------------------
AB = "content-filtering: anything-but matching"
case({"detail": {"state": [{"anything-but": "initializing"}]}}, d({"state": "running"}), True, AB)
case({"detail": {"state": [{"anything-but": "initializing"}]}}, d({"state": "initializing"}), False, AB)
case({"detail": {"state": [{"anything-but": "initializing"}]}}, d({}), False, AB + " (the field must exist)")
case({"detail": {"x-limit": [{"anything-but": 123}]}}, d({"x-limit": 456}), True, AB + " (number)")
case({"detail": {"x-limit": [{"anything-but": 123}]}}, d({"x-limit": 123}), False, AB + " (number)")
case({"detail": {"x-limit": [{"anything-but": 123}]}}, d({"x-limit": 123.0}), False, AB + " (numbers compare numerically)")
case({"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, d({"state": "running"}), True, AB + " (list)")
case({"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, d({"state": "stopped"}), False, AB + " (list)")
case({"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}, d({"x-limit": 200}), False, AB + " (number list)")
case({"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}, d({"x-limit": 250}), True, AB + " (number list)")
case({"detail": {"state": [{"anything-but": "stopped"}]}}, d({"state": ["stopped", "overloaded"]}), True, AB + " (any array element outside the set)")
case({"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, d({"state": ["stopped", "overloaded"]}), False, AB + " (every array element inside the set)")
case({"detail": {"state": [{"anything-but": "x"}]}}, d({"state": None}), True, AB + " (null is a value other than x)")
case({"detail": {"state": [{"anything-but": "x"}]}}, d({"state": 5}), True, AB + " (a number is not the string x)")
ABP = "content-filtering: anything-but on prefix"
case({"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, d({"state": "running"}), True, ABP)
case({"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, d({"state": "initializing"}), False, ABP)
case({"detail": {"state": [{"anything-but": {"prefix": ["init", "run"]}}]}}, d({"state": "running"}), False, ABP + " (list)")
case({"detail": {"state": [{"anything-but": {"prefix": ["init", "run"]}}]}}, d({"state": "stopped"}), True, ABP + " (list)")
ABS = "content-filtering: anything-but on suffix"
case({"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}}, d({"FileName": "a.png"}), True, ABS)
case({"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}}, d({"FileName": "a.txt"}), False, ABS)
case({"detail": {"FileName": [{"anything-but": {"suffix": [".txt", ".md"]}}]}}, d({"FileName": "a.md"}), False, ABS + " (list)")
ABI = "content-filtering: anything-but ignoring case"
case({"detail": {"state": [{"anything-but": {"equals-ignore-case": "Stopped"}}]}}, d({"state": "STOPPED"}), False, ABI)
case({"detail": {"state": [{"anything-but": {"equals-ignore-case": "Stopped"}}]}}, d({"state": "running"}), True, ABI)
case({"detail": {"state": [{"anything-but": {"equals-ignore-case": ["Stopped", "Overloaded"]}}]}}, d({"state": "overloaded"}), False, ABI + " (list)")
ABW = "content-filtering: anything-but using a wildcard"
case({"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, d({"FilePath": "/usr/lib/x.so"}), False, ABW)
case({"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, d({"FilePath": "/usr/bin/x"}), True, ABW)
case({"detail": {"FilePath": [{"anything-but": {"wildcard": ["*/lib/*", "*/bin/*"]}}]}}, d({"FilePath": "/usr/bin/x"}), False, ABW + " (list)")

# --- Numeric ---------------------------------------------------------------------------------
NU = "content-filtering: numeric matching"
NUM_DETAIL = {"c-count": 5, "d-count": 3, "x-limit": 301.8}
NUM_PATTERN = {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}], "x-limit": [{"numeric": ["=", 3.018e2]}]}}
case(NUM_PATTERN, d(NUM_DETAIL), True, NU + " (the guide's example)")
case(NUM_PATTERN, d({**NUM_DETAIL, "c-count": 6}), False, NU + " (the guide's example)")
case(NUM_PATTERN, d({**NUM_DETAIL, "c-count": 0}), False, NU + " (open bottom)")
case(NUM_PATTERN, d({**NUM_DETAIL, "d-count": 10}), False, NU + " (open top)")
case(NUM_PATTERN, d({**NUM_DETAIL, "x-limit": 301.81}), False, NU + " (=)")
for op, bound, value, expected in (
    (">", 10, 10.000001, True), (">", 10, 10, False), (">=", 10, 10, True), (">=", 10, 9.999999, False),
    ("<", 10, 9.999999, True), ("<", 10, 10, False), ("<=", 10, 10, True), ("<=", 10, 10.000001, False),
    ("=", 10, 10.0, True), ("=", 10, 10.1, False), (">", -5, -4, True), ("<", -5, -6, True),
    (">", 0, -0.000001, False), ("<=", 5e9, 5e9, True), (">=", -5e9, -5e9, True),
):  # fmt: skip
    case({"detail": {"v": [{"numeric": [op, bound]}]}}, d({"v": value}), expected, NU + f" ({op})")
case({"detail": {"v": [{"numeric": [">=", 1, "<", 2]}]}}, d({"v": 1}), True, NU + " (closed bottom)")
case({"detail": {"v": [{"numeric": [">=", 1, "<", 2]}]}}, d({"v": 2}), False, NU + " (open top)")
case({"detail": {"v": [{"numeric": [">", 1, "<=", 2]}]}}, d({"v": 2}), True, NU + " (closed top)")
case({"detail": {"v": [{"numeric": [">", 1, "<=", 2]}]}}, d({"v": 1}), False, NU + " (open bottom)")
case({"detail": {"v": [{"numeric": [">", 0]}]}}, d({"v": "5"}), False, NU + " (only JSON numbers)")
case({"detail": {"v": [{"numeric": [">", 0]}]}}, d({"v": None}), False, NU + " (only JSON numbers)")
case({"detail": {"v": [{"numeric": [">", 0]}]}}, d({"v": 6e9}), False, NU + " (values beyond 5e9 never compare)")
case({"detail": {"v": [{"numeric": [">", 0]}]}}, d({"v": 1.0000001}), False, NU + " (values with more than six decimals never compare)")
case({"detail": {"v": [{"numeric": ["=", 0.1]}]}}, d({"v": 0.10}), True, NU + " (decimals compared exactly, not as doubles)")
case({"detail": {"v": [{"numeric": ["<", 0.3]}]}}, d({"v": 0.2999999}), False, NU + " (six decimals: 0.2999999 is not comparable)")
case({"detail": {"v": [{"numeric": [">", 0, "<", 1]}, {"numeric": [">", 9]}]}}, d({"v": 10}), True, NU + " (several ranges are OR)")
case({"detail": {"v": [{"numeric": [">", 0, "<", 1]}, 5]}}, d({"v": 5}), True, NU + " (range OR exact)")

# --- IP addresses --------------------------------------------------------------------------
IP = "content-filtering: IP address matching"
case({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, d({"sourceIPAddress": "10.0.0.255"}), True, IP)
case({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, d({"sourceIPAddress": "10.0.1.0"}), False, IP)
case({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/8"}]}}, d({"sourceIPAddress": "10.255.3.4"}), True, IP)
case({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, d({"sourceIPAddress": "not-an-ip"}), False, IP)
case({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}, d({"sourceIPAddress": "2001:db8::1"}), False, IP + " (IPv4 range, IPv6 value)")
case({"detail": {"sourceIPAddress": [{"cidr": "2001:db8::/64"}]}}, d({"sourceIPAddress": "2001:db8::1"}), True, IP + " (IPv6)")
case({"detail": {"sourceIPAddress": [{"cidr": "2001:db8::/64"}]}}, d({"sourceIPAddress": "2001:db8:0:1::1"}), False, IP + " (IPv6)")
case({"detail": {"sourceIPAddress": [{"cidr": "2001:db8::/64"}]}}, d({"sourceIPAddress": "2001:DB8:0:0:0:0:0:ff"}), True, IP + " (IPv6 in any spelling)")
case({"detail": {"ip": ["10.0.0.1"]}}, d({"ip": "10.0.0.1"}), True, "engine: an exact IP value matches that address")
case({"detail": {"ip": ["::1"]}}, d({"ip": "0:0:0:0:0:0:0:1"}), True, "engine: an exact IPv6 value matches that address in any spelling")
case({"detail": {"ip": ["10.0.0.1"]}}, d({"ip": "10.0.0.2"}), False, "engine: an exact IP value matches that address")
case({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, d({"ip": 10}), False, IP + " (strings only)")

# --- Exists --------------------------------------------------------------------------------
EX = "content-filtering: exists matching"
case({"detail": {"state": [{"exists": True}]}}, ev(), True, EX)
case({"detail": {"state": [{"exists": False}]}}, ev(), False, EX)
case({"detail": {"c-count": [{"exists": False}]}}, ev(), True, EX)
case({"detail": {"c-count": [{"exists": True}]}}, ev(), False, EX)
case({"detail": {"x": [{"exists": True}]}}, d({"x": None}), True, EX + " (a null value exists)")
case({"detail": {"x": [{"exists": False}]}}, d({"x": None}), False, EX + " (a null value exists)")
case({"detail": {"x": [{"exists": True}]}}, d({"x": ""}), True, EX + " (an empty string exists)")
case({"detail": {"x": [{"exists": True}]}}, d({"x": {"y": 1}}), False, EX + " (leaf nodes only: an object is not a leaf)")
case({"detail": {"x": [{"exists": False}]}}, d({"x": {"y": 1}}), True, EX + " (leaf nodes only: an object is not a leaf)")
case({"detail": {"x": [{"exists": False}]}}, d({"x": []}), True, EX + " (an empty array has no leaves)")
case({"detail": {"x": {"y": [{"exists": True}]}}}, d({"x": {"y": 1}}), True, EX + " (nested)")
case({"detail": {"x": {"y": [{"exists": False}]}}}, d({"x": {"z": 1}}), True, EX + " (nested)")
case({"detail": {"x": {"y": [{"exists": False}]}}}, d({"x": None}), True, EX + " (nested under null)")
case({"detail": {"x": [{"exists": True}]}}, d({"x": [1, 2]}), True, EX + " (array of values)")
case({"source": ["aws.ec2"], "detail": {"nope": [{"exists": False}]}}, ev(), True, EX + " (combined with other fields)")
case({"detail": {"x": [{"exists": False}, "a"]}}, d({"x": "a"}), True, EX + " (or another value)")

# --- Wildcards -----------------------------------------------------------------------------
W = "content-filtering: wildcard matching"
case({"detail": {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}}, d({"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/my-bus"}), True, W)
case({"detail": {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}}, d({"EventBusArn": "arn:aws:events:us-west-2:123456789012:event-bus/my-bus"}), False, W)
case({"detail": {"FileName": [{"wildcard": "dir/*.png"}]}}, d({"FileName": "dir/a.png"}), True, W)
case({"detail": {"FileName": [{"wildcard": "dir/*.png"}]}}, d({"FileName": "dir/sub/a.png"}), True, W + " (* crosses separators)")
case({"detail": {"FileName": [{"wildcard": "dir/*.png"}]}}, d({"FileName": "dir/.png"}), True, W + " (* matches zero characters)")
case({"detail": {"FileName": [{"wildcard": "dir/*.png"}]}}, d({"FileName": "dir/a.jpg"}), False, W)
case({"detail": {"FileName": [{"wildcard": "*"}]}}, d({"FileName": ""}), True, W + " (* alone matches any string)")
case({"detail": {"FileName": [{"wildcard": "*"}]}}, d({"FileName": 5}), False, W + " (strings only)")
case({"detail": {"FileName": [{"wildcard": "a*b*c"}]}}, d({"FileName": "aXXbYYc"}), True, W)
case({"detail": {"FileName": [{"wildcard": "a*b*c"}]}}, d({"FileName": "aXXcYYb"}), False, W)
case({"detail": {"FileName": [{"wildcard": "abc"}]}}, d({"FileName": "abc"}), True, W + " (no wildcard is exact)")
case({"detail": {"FileName": [{"wildcard": "abc"}]}}, d({"FileName": "abcd"}), False, W + " (no wildcard is exact)")
case({"detail": {"FileName": [{"wildcard": "a\\*b"}]}}, d({"FileName": "a*b"}), True, W + " (\\* is a literal star)")
case({"detail": {"FileName": [{"wildcard": "a\\*b"}]}}, d({"FileName": "aXb"}), False, W + " (\\* is a literal star)")
case({"detail": {"FileName": [{"wildcard": "a\\\\*"}]}}, d({"FileName": "a\\xyz"}), True, W + " (\\\\ is a literal backslash)")
case({"detail": {"FileName": [{"wildcard": "A*"}]}}, d({"FileName": "abc"}), False, W + " (case-sensitive)")

# --- $or -------------------------------------------------------------------------------------
OR = "content-filtering: $or matching"
OR_PATTERN = {"detail": {"$or": [{"c-count": [{"numeric": [">", 0, "<=", 5]}]}, {"d-count": [{"numeric": ["<", 10]}]}, {"x-limit": [{"numeric": ["=", 3.018e2]}]}]}}
case(OR_PATTERN, d({"c-count": 3}), True, OR + " (the guide's example)")
case(OR_PATTERN, d({"d-count": 3}), True, OR)
case(OR_PATTERN, d({"x-limit": 301.8}), True, OR)
case(OR_PATTERN, d({"c-count": 30, "d-count": 30, "x-limit": 1}), False, OR)
case({"$or": [{"source": ["aws.ec2"]}, {"source": ["aws.s3"]}]}, ev(source="my.app"), False, OR + " (top level)")
case({"$or": [{"source": ["aws.ec2"]}, {"source": ["aws.s3"]}]}, ev(source="aws.s3"), True, OR + " (top level)")
case({"source": ["aws.ec2"], "$or": [{"region": ["eu-west-1"]}, {"detail": {"state": ["terminated"]}}]}, ev(), True, OR + " (AND with the other fields)")
case({"source": ["aws.s3"], "$or": [{"region": ["us-west-1"]}, {"detail": {"state": ["terminated"]}}]}, ev(), False, OR + " (AND with the other fields)")
case({"$or": [{"detail": {"$or": [{"a": ["1"]}, {"b": ["2"]}]}}, {"region": ["nowhere"]}]}, d({"b": "2"}), True, OR + " (nested $or)")
case({"$or": [{"detail": {"$or": [{"a": ["1"]}, {"b": ["2"]}]}}, {"region": ["nowhere"]}]}, d({"c": "3"}), False, OR + " (nested $or)")
case({"detail": {"$or": [{"a": [{"exists": False}]}, {"a": ["x"]}]}}, d({}), True, OR + " (with exists false)")
case({"detail": {"$or": [{"a": [{"exists": False}]}, {"a": ["x"]}]}}, d({"a": "y"}), False, OR + " (with exists false)")
case({"detail": {"$or": [{"a": ["1"]}, {"b": ["2"]}], "c": ["3"]}}, d({"a": "1", "c": "3"}), True, OR + " (sibling fields apply to every branch)")
case({"detail": {"$or": [{"a": ["1"]}, {"b": ["2"]}], "c": ["3"]}}, d({"a": "1", "c": "4"}), False, OR + " (sibling fields apply to every branch)")
case({"detail": {"$or": [{"a": ["1"]}, {"a": ["2"]}]}}, d({"a": "2"}), True, OR + " (same field in both branches)")

# --- Several operators and multiple matching ---------------------------------------------------
M = "comparison-operators: several operators on one field are OR"
case({"detail": {"v": [{"prefix": "a"}, {"suffix": "z"}]}}, d({"v": "bbz"}), True, M)
case({"detail": {"v": [{"prefix": "a"}, {"suffix": "z"}]}}, d({"v": "bbb"}), False, M)
case({"detail": {"v": ["exact", {"prefix": "pre"}, {"numeric": [">", 5]}]}}, d({"v": 6}), True, M)
case({"detail": {"v": ["exact", {"prefix": "pre"}, {"numeric": [">", 5]}]}}, d({"v": "exact"}), True, M)
case({"detail": {"v": ["exact", {"prefix": "pre"}, {"numeric": [">", 5]}]}}, d({"v": "other"}), False, M)
case({"detail": {"v": [{"anything-but": "x"}, "x"]}}, d({"v": "x"}), True, M + " (anything-but OR the value itself)")
case({"source": [{"prefix": "aws."}], "detail-type": [{"suffix": "Notification"}], "detail": {"state": [{"anything-but": "running"}]}}, ev(), True, "comparison-operators: operators on several fields are AND")
case({"source": [{"prefix": "aws."}], "detail-type": [{"suffix": "Notification"}], "detail": {"state": [{"anything-but": "terminated"}]}}, ev(), False, "comparison-operators: operators on several fields are AND")
case({"source": [{"exactly": "aws.ec2"}]}, ev(), True, "engine: the exactly operator")
case({"detail": {"unicode": ["héllo ✓"]}}, d({"unicode": "héllo ✓"}), True, "eb-event-patterns: any Unicode string")

# fmt: on
