/* tmpdir.h — a scratch directory for a test program's files: made by the
 * group setup, emptied and removed by the group teardown. Include after
 * <cmocka.h>. */
#ifndef FAIRQ_TEST_TMPDIR_H
#define FAIRQ_TEST_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_dir[256];

/* Makes /tmp/<prefix>_XXXXXX into g_dir; 0 or -1 (for cmocka's setup). */
static inline int tmpdir_make(const char *prefix)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/%s_XXXXXX", prefix);
    return mkdtemp(g_dir) ? 0 : -1;
}

/* Removes g_dir and the files in it (it has no subdirectories). */
static inline int tmpdir_remove(void)
{
    DIR *d = opendir(g_dir);
    if (!d)
        return 0;
    struct dirent *de;
    char p[600];
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", g_dir, de->d_name);
            unlink(p);
        }
    closedir(d);
    rmdir(g_dir);
    return 0;
}

/* g_dir/name; the four most recent results stay valid. */
static inline const char *path_of(const char *name)
{
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", g_dir, name);
    return buf[i];
}

/* The whole of a file, NUL-terminated (malloc'd); its length in *len. */
static inline char *slurp(const char *file, size_t *len)
{
    FILE *f = fopen(file, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

static inline int setup_dir_named(void **state, const char *prefix)
{
    (void)state;
    return tmpdir_make(prefix);
}

static inline int remove_dir(void **state)
{
    (void)state;
    return tmpdir_remove();
}

#endif
