/* relscales._floattext: doubles as their shortest round-trip text, as Arrow writes them.
 *
 * The CSV writer (relscales/io/writers.py) turns number columns into text with Arrow's cast
 * to string. For columns of distinct values (IRT estimates, their standard errors and
 * intervals) that cast is most of the time a CSV file takes to write, about 100 ns a double.
 * This module writes the same bytes in a fraction of that, without the GIL, so the writer's
 * threads format row ranges in parallel.
 *
 * The digits come from Ryu (Ulf Adams, "Ryu: fast float-to-string conversion", PLDI 2018),
 * vendored unmodified in csrc/ryu/ under the Boost Software License 1.0: the shortest decimal
 * that reads back as the same double and, among those, the nearest (ties to even). That is
 * the digit string double-conversion's SHORTEST mode gives, which Arrow uses. The layout is
 * Arrow's (arrow/util/formatting.cc: DoubleToStringConverter with
 * EMIT_POSITIVE_EXPONENT_SIGN, "inf", "nan", 'e', decimal_in_shortest_low -6,
 * decimal_in_shortest_high 10):
 *
 *   decimal exponent e of the first digit (value = d.ddd x 10^e)
 *   -6 <= e < 10    plain decimal:  0.000123, 1.5, 12345, 1000000000
 *   otherwise       d[.ddd]e(+|-)N:  1e-7, 1.5e+10, 5e-324
 *   -0.0 -> "-0", NaN (either sign) -> "nan", infinities -> "inf", "-inf"
 *
 * tests/unit/test_float_text.py holds it byte for byte against Arrow's cast on millions of
 * doubles from every binade, and against a plain Python reference built on repr().
 *
 * It is optional: hatch_build.py builds it when a C compiler is found, and the writer uses
 * Arrow's cast otherwise (the same bytes).
 *
 * shortest(values, valid, offsets, data) -> int
 *
 *   values   float64 (n,), C-contiguous
 *   valid    uint8 (n,), C-contiguous, 0 = a missing cell, written as no text; or None
 *   offsets  int64 (n + 1,), written: where each cell's text starts in data, then the end
 *   data     uint8, at least MAX_TEXT * n bytes, written
 *
 * Returns the bytes written (offsets[n]). Raises ValueError for buffers of the wrong type,
 * shape or size.
 *
 * csv_rows(columns, delimiter, out) -> int
 *
 *   columns    a sequence of equal-length columns, each a tuple:
 *              ("number", values, None, valid): float64 values, written as shortest() does
 *              ("text", offsets, data, valid): cells already CSV text (quoted where needed),
 *                         int64 offsets (n + 1) into uint8 data, copied as they are
 *              valid: uint8 (n,), 0 = an empty cell; or None
 *   delimiter  one byte, between the cells of a row; each row ends in "\n"
 *   out        uint8, writable, at least 25 bytes a number cell, the text columns' bytes
 *              and one byte a cell
 *
 * Writes the rows into out in one pass (the CSV writer's lines, without joining columns of
 * text) and returns the bytes written. Text offsets must increase and lie inside their data;
 * anything else raises ValueError before a byte is written.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef NDEBUG
#define NDEBUG /* Ryu's internal asserts are for its own test suite */
#endif
#include <stdint.h>
#include <string.h>

#include "ryu/d2s.c"

#include "buffers.h"

/* The longest text: a sign, "0.", five zeros and 17 digits (-0.0000012345678901234567). */
#define MAX_TEXT 25

/* Write the text of one double at out; return its length. */
static inline int shortest_text(double value, char *out) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    const int negative = (int)(bits >> 63);
    const uint64_t mantissa = bits & ((1ull << DOUBLE_MANTISSA_BITS) - 1);
    const uint32_t exponent = (uint32_t)((bits >> DOUBLE_MANTISSA_BITS) & 0x7ffu);
    char *p = out;
    if (exponent == 0x7ffu) {
        if (mantissa != 0) {
            memcpy(p, "nan", 3);
            return 3;
        }
        if (negative) {
            *p++ = '-';
        }
        memcpy(p, "inf", 3);
        return (int)(p - out) + 3;
    }
    if (negative) {
        *p++ = '-';
    }
    if (exponent == 0 && mantissa == 0) {
        *p++ = '0';
        return (int)(p - out);
    }
    floating_decimal_64 v;
    if (d2d_small_int(mantissa, exponent, &v)) {
        while (v.mantissa % 10 == 0) { /* an integer below 2^53: its trailing zeros */
            v.mantissa /= 10;
            ++v.exponent;
        }
    } else {
        v = d2d(mantissa, exponent);
    }
    /* the digits, most significant first */
    char digits[20];
    const int length = (int)decimalLength17(v.mantissa);
    uint64_t m = v.mantissa;
    int at = length;
    while (at >= 2) {
        const uint32_t pair = (uint32_t)(m % 100);
        m /= 100;
        at -= 2;
        memcpy(digits + at, DIGIT_TABLE + 2 * pair, 2);
    }
    if (at == 1) {
        digits[0] = (char)('0' + m);
    }
    const int point = v.exponent + length; /* value = 0.digits x 10^point */
    const int e = point - 1;
    if (-6 <= e && e < 10) {
        if (point <= 0) {
            *p++ = '0';
            *p++ = '.';
            memset(p, '0', (size_t)(-point));
            p += -point;
            memcpy(p, digits, (size_t)length);
            p += length;
        } else if (point >= length) {
            memcpy(p, digits, (size_t)length);
            p += length;
            memset(p, '0', (size_t)(point - length));
            p += point - length;
        } else {
            memcpy(p, digits, (size_t)point);
            p += point;
            *p++ = '.';
            memcpy(p, digits + point, (size_t)(length - point));
            p += length - point;
        }
        return (int)(p - out);
    }
    *p++ = digits[0];
    if (length > 1) {
        *p++ = '.';
        memcpy(p, digits + 1, (size_t)(length - 1));
        p += length - 1;
    }
    *p++ = 'e';
    int n = e;
    if (n < 0) {
        *p++ = '-';
        n = -n;
    } else {
        *p++ = '+';
    }
    if (n >= 100) {
        *p++ = (char)('0' + n / 100);
        n %= 100;
        memcpy(p, DIGIT_TABLE + 2 * n, 2);
        p += 2;
    } else if (n >= 10) {
        memcpy(p, DIGIT_TABLE + 2 * n, 2);
        p += 2;
    } else {
        *p++ = (char)('0' + n);
    }
    return (int)(p - out);
}

static PyObject *shortest(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *values_obj, *valid_obj, *offsets_obj, *data_obj;
    if (!PyArg_ParseTuple(args, "OOOO:shortest", &values_obj, &valid_obj, &offsets_obj,
                          &data_obj)) {
        return NULL;
    }
    Buf bufs[4];
    memset(bufs, 0, sizeof bufs);
    if (get_vector(values_obj, &bufs[0], "d", 8, -1, 0, "values") != 0 ||
        (valid_obj != Py_None &&
         get_vector(valid_obj, &bufs[1], "B?b", 1, -1, 0, "valid") != 0) ||
        get_vector(offsets_obj, &bufs[2], "ql", 8, -1, 1, "offsets") != 0 ||
        get_vector(data_obj, &bufs[3], "Bbc", 1, -1, 1, "data") != 0) {
        release(bufs, 4);
        return NULL;
    }
    const Py_ssize_t n = bufs[0].view.shape[0];
    if ((bufs[1].held && bufs[1].view.shape[0] != n) || bufs[2].view.shape[0] != n + 1 ||
        bufs[3].view.shape[0] / MAX_TEXT < n) {
        release(bufs, 4);
        PyErr_SetString(PyExc_ValueError, "valid needs n items, offsets n + 1, data "
                        "25 * n bytes, for n values");
        return NULL;
    }
    const double *values = (const double *)bufs[0].view.buf;
    const uint8_t *valid = bufs[1].held ? (const uint8_t *)bufs[1].view.buf : NULL;
    int64_t *offsets = (int64_t *)bufs[2].view.buf;
    char *data = (char *)bufs[3].view.buf;
    int64_t end = 0;
    Py_BEGIN_ALLOW_THREADS
    offsets[0] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (valid == NULL || valid[i]) {
            end += shortest_text(values[i], data + end);
        }
        offsets[i + 1] = end;
    }
    Py_END_ALLOW_THREADS
    release(bufs, 4);
    return PyLong_FromLongLong(end);
}

/* One column of csv_rows: doubles to format, or text cells to copy. */
typedef struct {
    int is_number;
    const double *values;   /* numbers: n values */
    const int64_t *offsets; /* text: n + 1 offsets into data */
    const char *data;
    const uint8_t *valid; /* n flags, 0 = an empty cell; or NULL */
} Column;

static PyObject *csv_rows(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *columns_obj, *out_obj;
    const char *delimiter;
    Py_ssize_t delimiter_length;
    if (!PyArg_ParseTuple(args, "Os#O:csv_rows", &columns_obj, &delimiter, &delimiter_length,
                          &out_obj)) {
        return NULL;
    }
    if (delimiter_length != 1) {
        PyErr_SetString(PyExc_ValueError, "the delimiter must be one byte");
        return NULL;
    }
    PyObject *columns = PySequence_Fast(columns_obj, "columns must be a sequence");
    if (columns == NULL) {
        return NULL;
    }
    const Py_ssize_t width = PySequence_Fast_GET_SIZE(columns);
    Buf *bufs = calloc((size_t)(3 * width + 1), sizeof(Buf));
    Column *cols = calloc((size_t)(width > 0 ? width : 1), sizeof(Column));
    PyObject *result = NULL;
    Py_ssize_t n = -1;
    Py_ssize_t need = 0; /* an upper bound of the bytes written */
    if (bufs == NULL || cols == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (width == 0) {
        PyErr_SetString(PyExc_ValueError, "csv_rows needs at least one column");
        goto done;
    }
    for (Py_ssize_t c = 0; c < width; c++) {
        PyObject *spec = PySequence_Fast_GET_ITEM(columns, c);
        const char *kind;
        PyObject *a, *b, *v;
        if (!PyTuple_Check(spec) ||
            !PyArg_ParseTuple(spec, "sOOO:column", &kind, &a, &b, &v)) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "each column is (kind, a, b, valid)");
            }
            goto done;
        }
        Buf *at = bufs + 3 * c;
        Py_ssize_t rows;
        if (strcmp(kind, "number") == 0) {
            if (get_vector(a, &at[0], "d", 8, -1, 0, "values") != 0) {
                goto done;
            }
            rows = at[0].view.shape[0];
            cols[c].is_number = 1;
            cols[c].values = (const double *)at[0].view.buf;
            need += MAX_TEXT * rows;
        } else if (strcmp(kind, "text") == 0) {
            if (get_vector(a, &at[0], "ql", 8, -1, 0, "offsets") != 0 ||
                get_vector(b, &at[1], "Bbc", 1, -1, 0, "data") != 0) {
                goto done;
            }
            rows = at[0].view.shape[0] - 1;
            const int64_t *offsets = (const int64_t *)at[0].view.buf;
            if (rows < 0) {
                PyErr_SetString(PyExc_ValueError, "offsets: n + 1 items are needed");
                goto done;
            }
            /* every cell must lie inside data, in order */
            const int64_t size = (int64_t)at[1].view.shape[0];
            int in_order = offsets[0] >= 0 && offsets[rows] <= size;
            for (Py_ssize_t i = 0; in_order && i < rows; i++) {
                in_order = offsets[i] <= offsets[i + 1];
            }
            if (!in_order) {
                PyErr_SetString(PyExc_ValueError, "offsets: increasing, and inside data");
                goto done;
            }
            cols[c].offsets = offsets;
            cols[c].data = (const char *)at[1].view.buf;
            need += (Py_ssize_t)(offsets[rows] - offsets[0]);
        } else {
            PyErr_Format(PyExc_ValueError, "column kind %s: number or text", kind);
            goto done;
        }
        if (v != Py_None) {
            if (get_vector(v, &at[2], "B?b", 1, -1, 0, "valid") != 0) {
                goto done;
            }
            if (at[2].view.shape[0] != rows) {
                PyErr_SetString(PyExc_ValueError, "valid: one flag a row");
                goto done;
            }
            cols[c].valid = (const uint8_t *)at[2].view.buf;
        }
        if (n >= 0 && rows != n) {
            PyErr_SetString(PyExc_ValueError, "the columns differ in length");
            goto done;
        }
        n = rows;
    }
    need += n * width; /* a delimiter or the newline after each cell */
    Buf *out = bufs + 3 * width;
    if (get_vector(out_obj, out, "Bbc", 1, -1, 1, "out") != 0) {
        goto done;
    }
    if (out->view.shape[0] < need) {
        PyErr_Format(PyExc_ValueError, "out: %zd bytes are needed", need);
        goto done;
    }
    char *p = (char *)out->view.buf;
    const char sep = delimiter[0];
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        for (Py_ssize_t c = 0; c < width; c++) {
            const Column *col = cols + c;
            if (col->valid == NULL || col->valid[i]) {
                if (col->is_number) {
                    p += shortest_text(col->values[i], p);
                } else {
                    const int64_t from = col->offsets[i], length = col->offsets[i + 1] - from;
                    memcpy(p, col->data + from, (size_t)length);
                    p += length;
                }
            }
            *p++ = c + 1 < width ? sep : '\n';
        }
    }
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t((Py_ssize_t)(p - (char *)out->view.buf));
done:
    if (bufs != NULL) {
        release(bufs, (int)(3 * width + 1));
    }
    free(bufs);
    free(cols);
    Py_DECREF(columns);
    return result;
}

static PyMethodDef methods[] = {
    {"shortest", shortest, METH_VARARGS,
     "shortest(values, valid, offsets, data) -> int: each double's shortest round-trip text, "
     "laid out as Arrow's cast to string lays it out; returns the bytes written."},
    {"csv_rows", csv_rows, METH_VARARGS,
     "csv_rows(columns, delimiter, out) -> int: CSV lines of number and text columns written "
     "into out; returns the bytes written."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_floattext",
    "Doubles as their shortest round-trip text (Ryu's digits, Arrow's layout).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__floattext(void) { return PyModule_Create(&module); }
