/* relscales._eapkernel: the posterior moments of graded-response EAP scoring, one pass per
 * response pattern.
 *
 * The numpy kernel in relscales/irt.py (class _EapKernel) makes a pass over memory for each
 * step: the row indices of a pattern's item groups, a gather and a product per group, then
 * three sums. This module does the same arithmetic for one pattern at a time, with the
 * pattern's posterior in a buffer that stays in the processor's first-level cache, and
 * without the GIL, so Python threads score row ranges in parallel.
 *
 * It is optional: relscales builds it when a C compiler is found at install time
 * (hatch_build.py) and uses the numpy kernel otherwise. Both give the same estimates to
 * rounding (the sums are added in another order).
 *
 * moments(codes, start, stop, n_categories, groups, places, offsets, factors, q,
 *         shifted, squared, mass, first, second, answered) -> int
 *
 *   codes         float64, 2-D (n, k), any strides: category codes 0 .. m_j - 1, NaN = missing
 *   start, stop   the rows to score
 *   n_categories  int64 (k,): m_j
 *   groups        int64 (k,): the group of item j
 *   places        int64 (k,): the place value of item j's code in its group's row index
 *   offsets       int64 (G,): the first row of each group in factors
 *   factors       float64 (R, q), C-contiguous: each row's factors at the q nodes
 *   shifted       float64 (q,): nodes minus the centre
 *   squared       float64 (q,): shifted ** 2
 *   mass, first, second   float64 (n,), written at rows start .. stop - 1
 *   answered      int64 (n,), written likewise: items answered
 *
 * Returns -1 when every row was scored, else the first row (from start) holding a code that
 * is not a whole number in its item's range; its moments are not written. Raises ValueError
 * for buffers of the wrong type, shape or size.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buffers.h"

/* Mass, first and second moments of a[t] * b[t] (or a[t] when b is NULL) over t < q, with
 * four partial sums each: the additions of one sum do not wait for each other. */
static inline __attribute__((always_inline)) void product_moments(const double *a, const double *b, Py_ssize_t q, const double *x,
                            const double *x2, double *m0, double *m1, double *m2) {
    double s0[4] = {0.0, 0.0, 0.0, 0.0}, s1[4] = {0.0, 0.0, 0.0, 0.0},
           s2[4] = {0.0, 0.0, 0.0, 0.0};
    Py_ssize_t t = 0;
    for (; t + 4 <= q; t += 4) {
        for (int u = 0; u < 4; u++) {
            double p = b ? a[t + u] * b[t + u] : a[t + u];
            s0[u] += p;
            s1[u] += p * x[t + u];
            s2[u] += p * x2[t + u];
        }
    }
    for (; t < q; t++) {
        double p = b ? a[t] * b[t] : a[t];
        s0[0] += p;
        s1[0] += p * x[t];
        s2[0] += p * x2[t];
    }
    *m0 = (s0[0] + s0[1]) + (s0[2] + s0[3]);
    *m1 = (s1[0] + s1[1]) + (s1[2] + s1[3]);
    *m2 = (s2[0] + s2[1]) + (s2[2] + s2[3]);
}

typedef struct {
    const char *base;
    Py_ssize_t s0, s1, k, start, stop, n_groups, rows, q;
    const int64_t *mj, *gj, *pj, *off;
    const double *table, *x, *x2;
    double *post, *out_mass, *out_first, *out_second;
    int64_t *index, *out_answered;
} Job;

/* With GCC on x86-64 Linux, the row loop is compiled twice, for AVX2 and for any x86-64
 * processor, and the loader picks the one the processor runs. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define MULTIVERSION __attribute__((target_clones("avx2", "default")))
#else
#define MULTIVERSION
#endif

/* Rows are read TILE at a time, item by item: codes stored column by column (as the scoring
 * pipeline's are) are then read in order, not 8 * n bytes apart for each item of a row. */
#define TILE 64

/* Score rows start .. stop - 1; return the first row with an invalid code, or -1. */
static MULTIVERSION Py_ssize_t score_rows(const Job *job, int *out_of_table) {
    const char *base = job->base;
    Py_ssize_t s0 = job->s0, s1 = job->s1, k = job->k, n_groups = job->n_groups;
    Py_ssize_t rows = job->rows, q = job->q;
    const int64_t *mj = job->mj, *gj = job->gj, *pj = job->pj, *off = job->off;
    const double *table = job->table, *x = job->x, *x2 = job->x2;
    double *post = job->post, *out_mass = job->out_mass, *out_first = job->out_first,
           *out_second = job->out_second;
    int64_t *index = job->index, *out_answered = job->out_answered; /* index: TILE x groups */
    int64_t count[TILE];
    for (Py_ssize_t from = job->start; from < job->stop; from += TILE) {
        const Py_ssize_t to = from + TILE < job->stop ? from + TILE : job->stop;
        const Py_ssize_t size = to - from;
        for (Py_ssize_t t = 0; t < size; t++) {
            count[t] = 0;
            for (Py_ssize_t g = 0; g < n_groups; g++) {
                index[t * n_groups + g] = off[g];
            }
        }
        Py_ssize_t bad = to; /* the first row of the tile with an invalid code */
        for (Py_ssize_t j = 0; j < k; j++) {
            const char *column = base + j * s1;
            const int64_t m = mj[j], place = pj[j];
            int64_t *slot = index + gj[j];
            for (Py_ssize_t t = 0; t < size; t++) {
                const Py_ssize_t i = from + t;
                double v = *(const double *)(column + i * s0);
                int64_t code;
                if (isnan(v)) {
                    code = m;
                } else if (v >= 0.0 && v < (double)m && v == floor(v)) {
                    code = (int64_t)v;
                    count[t]++;
                } else {
                    code = 0;
                    if (i < bad) {
                        bad = i;
                    }
                }
                slot[t * n_groups] += code * place;
            }
        }
        for (Py_ssize_t i = from; i < bad; i++) {
            const int64_t *at = index + (i - from) * n_groups;
            for (Py_ssize_t g = 0; g < n_groups; g++) {
                if (at[g] < 0 || at[g] >= rows) {
                    *out_of_table = 1;
                }
            }
            if (*out_of_table) {
                return -1;
            }
            double m0 = 0.0, m1 = 0.0, m2 = 0.0;
            if (n_groups == 1) {
                product_moments(table + at[0] * q, NULL, q, x, x2, &m0, &m1, &m2);
            } else {
                const double *row = table + at[0] * q, *next = table + at[1] * q;
                if (n_groups == 2) {
                    product_moments(row, next, q, x, x2, &m0, &m1, &m2);
                } else {
                    for (Py_ssize_t t = 0; t < q; t++) {
                        post[t] = row[t] * next[t];
                    }
                    for (Py_ssize_t g = 2; g < n_groups - 1; g++) {
                        row = table + at[g] * q;
                        for (Py_ssize_t t = 0; t < q; t++) {
                            post[t] *= row[t];
                        }
                    }
                    product_moments(post, table + at[n_groups - 1] * q, q, x, x2, &m0, &m1,
                                    &m2);
                }
            }
            out_mass[i] = m0;
            out_first[i] = m1;
            out_second[i] = m2;
            out_answered[i] = count[i - from];
        }
        if (bad < to) {
            return bad;
        }
    }
    return -1;
}

static PyObject *moments(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *o_codes, *o_m, *o_groups, *o_places, *o_offsets, *o_factors, *o_shifted,
        *o_squared, *o_mass, *o_first, *o_second, *o_answered;
    Py_ssize_t start, stop, q;
    if (!PyArg_ParseTuple(args, "OnnOOOOOnOOOOOO", &o_codes, &start, &stop, &o_m, &o_groups,
                          &o_places, &o_offsets, &o_factors, &q, &o_shifted, &o_squared,
                          &o_mass, &o_first, &o_second, &o_answered)) {
        return NULL;
    }
    Buf bufs[12];
    memset(bufs, 0, sizeof(bufs));
    Buf *codes = &bufs[0];
    if (PyObject_GetBuffer(o_codes, &codes->view, PyBUF_STRIDES | PyBUF_FORMAT) != 0) {
        return NULL;
    }
    codes->held = 1;
    const char *cfmt = codes->view.format ? codes->view.format : "B";
    if (cfmt[0] == '<' || cfmt[0] == '=' || cfmt[0] == '@') {
        cfmt++;
    }
    if (codes->view.ndim != 2 || strcmp(cfmt, "d") != 0 || codes->view.itemsize != 8) {
        PyErr_SetString(PyExc_ValueError, "codes must be a 2-D float64 array");
        release(bufs, 12);
        return NULL;
    }
    Py_ssize_t n = codes->view.shape[0], k = codes->view.shape[1];
    Py_ssize_t s0 = codes->view.strides[0], s1 = codes->view.strides[1];
    if (start < 0 || stop > n || start > stop || q < 1 || k < 1) {
        PyErr_SetString(PyExc_ValueError, "rows or nodes out of range");
        release(bufs, 12);
        return NULL;
    }
    Buf *m = &bufs[1], *groups = &bufs[2], *places = &bufs[3], *offsets = &bufs[4];
    Buf *factors = &bufs[5], *shifted = &bufs[6], *squared = &bufs[7];
    Buf *mass = &bufs[8], *first = &bufs[9], *second = &bufs[10], *answered = &bufs[11];
    if (get_vector(o_m, m, "ql", 8, k, 0, "n_categories") ||
        get_vector(o_groups, groups, "ql", 8, k, 0, "groups") ||
        get_vector(o_places, places, "ql", 8, k, 0, "places") ||
        PyObject_GetBuffer(o_offsets, &offsets->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
        release(bufs, 12);
        return NULL;
    }
    offsets->held = 1;
    Py_ssize_t n_groups = offsets->view.len / 8;
    release(&bufs[4], 1);
    if (n_groups < 1 || get_vector(o_offsets, offsets, "ql", 8, n_groups, 0, "offsets")) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "offsets must not be empty");
        }
        release(bufs, 12);
        return NULL;
    }
    if (PyObject_GetBuffer(o_factors, &factors->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
        release(bufs, 12);
        return NULL;
    }
    factors->held = 1;
    Py_ssize_t rows = factors->view.len / (8 * q);
    release(&bufs[5], 1);
    if (rows < 1 || get_vector(o_factors, factors, "d", 8, rows * q, 0, "factors") ||
        get_vector(o_shifted, shifted, "d", 8, q, 0, "shifted") ||
        get_vector(o_squared, squared, "d", 8, q, 0, "squared") ||
        get_vector(o_mass, mass, "d", 8, n, 1, "mass") ||
        get_vector(o_first, first, "d", 8, n, 1, "first") ||
        get_vector(o_second, second, "d", 8, n, 1, "second") ||
        get_vector(o_answered, answered, "ql", 8, n, 1, "answered")) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "factors must not be empty");
        }
        release(bufs, 12);
        return NULL;
    }
    const int64_t *mj = m->view.buf, *gj = groups->view.buf, *pj = places->view.buf;
    const int64_t *off = offsets->view.buf;
    for (Py_ssize_t j = 0; j < k; j++) {
        if (mj[j] < 2 || gj[j] < 0 || gj[j] >= n_groups || pj[j] < 1) {
            PyErr_SetString(PyExc_ValueError, "n_categories, groups or places out of range");
            release(bufs, 12);
            return NULL;
        }
    }
    double *post = malloc(sizeof(double) * (size_t)q);
    int64_t *index = malloc(sizeof(int64_t) * (size_t)n_groups * TILE);
    if (post == NULL || index == NULL) {
        free(post);
        free(index);
        release(bufs, 12);
        return PyErr_NoMemory();
    }
    const char *base = codes->view.buf;
    const double *table = factors->view.buf, *x = shifted->view.buf, *x2 = squared->view.buf;
    double *out_mass = mass->view.buf, *out_first = first->view.buf,
           *out_second = second->view.buf;
    int64_t *out_answered = answered->view.buf;
    Py_ssize_t bad = -1;
    int out_of_table = 0;
    Job job = {base, s0, s1, k, start, stop, n_groups, rows, q, mj, gj, pj, off, table, x, x2,
               post, out_mass, out_first, out_second, index, out_answered};

    Py_BEGIN_ALLOW_THREADS
    bad = score_rows(&job, &out_of_table);
    Py_END_ALLOW_THREADS

    free(post);
    free(index);
    release(bufs, 12);
    if (out_of_table) {
        PyErr_SetString(PyExc_ValueError, "a group row index is outside the table");
        return NULL;
    }
    return PyLong_FromSsize_t(bad);
}

static PyMethodDef methods[] = {
    {"moments", moments, METH_VARARGS,
     "Posterior mass, first and second moments and items answered of rows start..stop-1."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_eapkernel",
    "The posterior moments of EAP scoring, one pass per response pattern (optional).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__eapkernel(void) { return PyModule_Create(&module); }
