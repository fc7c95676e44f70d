#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Every public function documents every parameter and its return value.
#
#   scripts/check-apidoc.py XMLDIR      (doxygen's XML output of docs/Doxyfile)
#
# Doxygen's own WARN_NO_PARAMDOC is silent about a function whose comment is
# a single sentence (a "brief" without details), which is how most missing
# @param lines used to hide; this reads the XML doxygen writes and asks of
# each function in the headers it was given: a @param for each parameter
# (and none for a parameter that does not exist), and a @return unless it
# returns void. Prints one line per problem, file:line first, and exits 1
# if there is any.
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def text(e):
    return "".join(e.itertext()).strip() if e is not None else ""


def check_member(m, problems):
    kind = m.get("kind")
    name = text(m.find("name"))
    loc = m.find("location")
    where = f"{loc.get('file')}:{loc.get('line')}" if loc is not None else "?"
    if kind != "function":
        return
    params = [text(p.find("declname")) for p in m.findall("param")]
    params = [p for p in params if p]  # "(void)" has no declname
    returns_void = text(m.find("type")) == "void"
    documented = set()
    has_return = False
    for d in (m.find("briefdescription"), m.find("detaileddescription")):
        if d is None:
            continue
        for pl in d.iter("parameterlist"):
            if pl.get("kind") != "param":
                continue
            for pn in pl.iter("parametername"):
                documented.add(text(pn))
        for ss in d.iter("simplesect"):
            if ss.get("kind") == "return":
                has_return = True
    for p in params:
        if p not in documented:
            problems.append(f"{where}: {name}: parameter '{p}' has no @param")
    for p in sorted(documented - set(params)):
        problems.append(f"{where}: {name}: @param '{p}' names no parameter")
    if not returns_void and not has_return:
        problems.append(f"{where}: {name}: no @return")


def main():
    if len(sys.argv) != 2:
        print("usage: check-apidoc.py XMLDIR", file=sys.stderr)
        return 2
    xml = Path(sys.argv[1])
    problems, n = [], 0
    for f in sorted(xml.glob("*.xml")):
        for cd in ET.parse(f).getroot().iter("compounddef"):
            if cd.get("kind") != "file":
                continue
            for m in cd.iter("memberdef"):
                check_member(m, problems)
                n += m.get("kind") == "function"
    for p in problems:
        print(p)
    print(f"check-apidoc: {n} functions, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
