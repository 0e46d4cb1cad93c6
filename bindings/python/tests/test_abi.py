"""The ctypes declarations agree with include/venc.h, as tests/header.rs checks the Rust side.

A C program compiled with gcc against the header prints what the compiler says (sizes, field
offsets, constant values, argument sizes); ctypes must say the same. Field names and order come
from the header's text. Covers every ctypes.Structure and constant in venc/_lib.py, its function
signatures, and the codec, rate-control and error codes venc/__init__.py hard-codes.
"""
import ctypes
import os
import re
import shutil
import subprocess

import pytest

import venc
from venc import _lib

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.abspath(os.path.join(HERE, "..", "..", "..", "include", "venc.h"))


def header_text():
    with open(HEADER) as f:
        return f.read()


def structures():
    """Every ctypes.Structure _lib.py declares, by name."""
    return {n: v for n, v in vars(_lib).items()
            if isinstance(v, type) and issubclass(v, ctypes.Structure) and v is not ctypes.Structure}


def constants():
    """_lib.py's module-level integer constants (OK, ERR_BUSY, FLAG_PSNR, ...): each is ENC_<name>."""
    return {n: v for n, v in vars(_lib).items() if re.fullmatch(r"[A-Z][A-Z0-9_]*", n) and isinstance(v, int)}


def header_fields(text):
    """struct name -> field names in order, from the header's `typedef struct X { ... } X;`."""
    out = {}
    for name, body in re.findall(r"typedef struct (\w+) \{(.*?)\} \1;", text, re.S):
        fields = []
        for line in body.splitlines():
            line = line.split("//")[0].strip()
            m = re.match(r".*?(\w+)\s*(\[[^\]]*\])?;$", line)
            if m:
                fields.append(m.group(1))
        out[name] = fields
    return out


def header_functions(text):
    """function name -> (return type, [argument types]) from the header's prototypes."""
    out = {}
    for ret, name, args in re.findall(r"^([\w \*]+?)\s*\b(\w+)\((.*)\);$", text, re.M):
        types = []
        if args.strip() != "void":
            for a in args.split(","):
                # The parameter name is the last identifier; the rest is its type.
                types.append(re.sub(r"\w+$", "", a.strip()).strip())
        out[name] = (ret.strip(), types)
    return out


def compiler_view(tmp_path, lines):
    """Compiles a C program printing `lines` (each a printf of `key value`) against the header;
    returns {key: int}."""
    gcc = shutil.which("gcc")
    if gcc is None:
        print("SKIPPED: gcc is not installed")
        pytest.skip("gcc is not installed")
    src = tmp_path / "abi.c"
    body = "\n".join("  " + line for line in lines)
    src.write_text("#include <stddef.h>\n#include <stdio.h>\n#include \"venc.h\"\n"
                   "int main(void) {\n" + body + "\n  return 0;\n}\n")
    exe = tmp_path / "abi"
    r = subprocess.run([gcc, "-std=c99", "-Wall", "-Werror", "-I", os.path.dirname(HEADER), str(src), "-o", str(exe)],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"the ABI probe does not compile against include/venc.h:\n{r.stderr}"
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return {k: int(v) for k, v in (line.split() for line in out.splitlines())}


def test_the_probe_sees_the_structures():
    # Guards the parsers below: a regex that matched nothing would make the other tests vacuous.
    assert set(structures()) >= {"EncConfig", "EncFrame", "EncPacketInfo", "EncPacket", "EncStats"}
    assert header_fields(header_text())["EncPacket"] == ["data", "size", "info", "recon", "recon_size"]
    assert header_functions(header_text())["enc_get_frame"] == (
        "EncStatus", ["struct EncEncoder *", "uint8_t *", "size_t", "struct EncPacketInfo *", "int32_t"])


def test_structures_match_the_header(tmp_path):
    text = header_text()
    fields = header_fields(text)
    lines = []
    for name, cls in structures().items():
        assert name in fields, f"_lib.{name} is not a struct of include/venc.h"
        ours = [f[0] for f in cls._fields_]
        assert ours == fields[name], f"{name} fields: ctypes {ours}, header {fields[name]}"
        lines.append(f'printf("sizeof.{name} %zu\\n", sizeof({name}));')
        for f in ours:
            lines.append(f'printf("offsetof.{name}.{f} %zu\\n", offsetof({name}, {f}));')
            lines.append(f'printf("sizeof.{name}.{f} %zu\\n", sizeof((({name} *)0)->{f}));')
    c = compiler_view(tmp_path, lines)
    for name, cls in structures().items():
        assert ctypes.sizeof(cls) == c[f"sizeof.{name}"], f"sizeof({name})"
        for f, _ in cls._fields_:
            d = getattr(cls, f)
            assert d.offset == c[f"offsetof.{name}.{f}"], f"offsetof({name}, {f})"
            assert d.size == c[f"sizeof.{name}.{f}"], f"sizeof({name}.{f})"


def test_constants_match_the_header(tmp_path):
    text = header_text()
    errs = re.findall(r"^#define (ENC_ERR_\w+)\b", text, re.M)
    codecs = re.findall(r"^#define (ENC_CODEC_\w+)\b", text, re.M)
    rcs = re.findall(r"^#define (ENC_RC_\w+)\b", text, re.M)
    assert errs and codecs and rcs
    names = sorted(set(["ENC_" + n for n in constants()] + errs + codecs + rcs))
    c = compiler_view(tmp_path, [f'printf("{n} %lld\\n", (long long)({n}));' for n in names])
    for n, v in constants().items():
        assert v == c["ENC_" + n], f"_lib.{n} = {v}, the header's ENC_{n} = {c['ENC_' + n]}"
    # venc/__init__.py: the codec ids, the rate-control modes by name, one exception per error.
    assert (venc.H264, venc.H265, venc.MJPEG) == (c["ENC_CODEC_H264"], c["ENC_CODEC_H265"], c["ENC_CODEC_MJPEG"])
    assert set(codecs) == {"ENC_CODEC_H264", "ENC_CODEC_H265", "ENC_CODEC_MJPEG"}
    rc_of = {"cbr": "ENC_RC_CBR", "vbr": "ENC_RC_VBR", "quality": "ENC_RC_CONST_QUALITY",
             "cq": "ENC_RC_CONST_QUALITY", "cqp": "ENC_RC_FIXED_QP", "fixed": "ENC_RC_FIXED_QP"}
    assert set(venc._RC) == set(rc_of)
    for name, macro in rc_of.items():
        assert venc._RC[name] == c[macro], f"rc={name!r}"
    assert set(rc_of.values()) == set(rcs), "every ENC_RC_* has a name"
    assert sorted(venc._ERRORS) == sorted(c[e] for e in errs), "one exception class per ENC_ERR_*"
    assert venc._ERRORS[c["ENC_ERR_BUSY"]] is venc.Busy
    assert venc._ERRORS[c["ENC_ERR_BUFFER_TOO_SMALL"]] is venc.BufferTooSmall


def test_function_signatures_match_the_header(tmp_path):
    protos = header_functions(header_text())
    sig = _lib.signatures()
    lines = []
    for name, (args, ret) in sig.items():
        assert name in protos, f"_lib declares {name}, which include/venc.h does not"
        c_ret, c_args = protos[name]
        assert len(args) == len(c_args), f"{name}: {len(args)} arguments in ctypes, {len(c_args)} in the header"
        for i, t in enumerate(c_args):
            lines.append(f'printf("{name}.{i} %zu\\n", sizeof({t}));')
        if c_ret != "void":
            lines.append(f'printf("{name}.ret %zu\\n", sizeof({c_ret}));')
        else:
            assert ret is None, f"{name} returns void"
    c = compiler_view(tmp_path, lines)
    for name, (args, ret) in sig.items():
        for i, t in enumerate(args):
            assert ctypes.sizeof(t) == c[f"{name}.{i}"], f"{name} argument {i}: {t} vs {protos[name][1][i]}"
        if ret is not None:
            assert ctypes.sizeof(ret) == c[f"{name}.ret"], f"{name} return: {ret} vs {protos[name][0]}"


def test_every_function_called_is_declared():
    # A call without argtypes passes Python ints as C int: wrong for size_t and pointers.
    pkg = os.path.abspath(os.path.join(HERE, ".."))
    called = set()
    for d in ("venc", "hobot_vio"):
        for f in os.listdir(os.path.join(pkg, d)):
            if f.endswith(".py"):
                with open(os.path.join(pkg, d, f)) as fh:
                    called |= set(re.findall(r"\bLIB\.(\w+)", fh.read()))
    assert "enc_open" in called
    assert called <= set(_lib.signatures()), f"called without a declared signature: {called - set(_lib.signatures())}"
