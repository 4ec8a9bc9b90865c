/* The buffer checks shared by relscales' compiled modules (eapkernel.c, floattext.c).
 *
 * Each module takes numpy arrays (or any object with the buffer protocol) and checks their
 * type, size and shape before it reads or writes a byte; a Buf records whether its view is
 * held, so that every exit releases exactly the views it took.
 */
#ifndef RELSCALES_BUFFERS_H
#define RELSCALES_BUFFERS_H

#include <Python.h>
#include <string.h>

typedef struct {
    Py_buffer view;
    int held;
} Buf;

static void release(Buf *bufs, int n) {
    for (int i = 0; i < n; i++) {
        if (bufs[i].held) {
            PyBuffer_Release(&bufs[i].view);
            bufs[i].held = 0;
        }
    }
}

/* A C-contiguous buffer of items of `size` bytes whose struct format is one of the
 * characters of `formats`: exactly `count` items (of any shape), or, when count < 0, a 1-D
 * buffer of any length. On failure a ValueError names the buffer and -1 is returned. */
static int get_vector(PyObject *obj, Buf *buf, const char *formats, Py_ssize_t size,
                      Py_ssize_t count, int writable, const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &buf->view, flags) != 0) {
        return -1;
    }
    buf->held = 1;
    const char *format = buf->view.format ? buf->view.format : "B";
    if (format[0] == '<' || format[0] == '=' || format[0] == '@') {
        format++;
    }
    int ok = strlen(format) == 1 && strchr(formats, format[0]) != NULL &&
             buf->view.itemsize == size;
    if (count >= 0) {
        if (!ok || buf->view.len != size * count) {
            PyErr_Format(PyExc_ValueError, "%s must hold %zd items of type %.1s", name, count,
                         formats);
            return -1;
        }
    } else if (!ok || buf->view.ndim != 1) {
        PyErr_Format(PyExc_ValueError,
                     "%s: a 1-D contiguous buffer of %zd-byte items (%s) is needed", name, size,
                     formats);
        return -1;
    }
    return 0;
}

#endif
