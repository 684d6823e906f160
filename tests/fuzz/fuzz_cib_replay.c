/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_cib_replay.c: runs the CIB fuzz target over its seeds without
 * libFuzzer, so every test run exercises it: the CIB files of the unit tests
 * (tests/unit/data/cib) and tests/fuzz/corpus/cib (crash regressions).
 * Prints one TAP line per file.
 */
#include <config.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_tests;

static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int failed = 0;

    if (d == NULL) {
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            continue;
        }
        char *buf = NULL;
        size_t len = 0, cap = 0, n;
        char chunk[65536];
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
            if (len + n > cap) {
                cap = (len + n) * 2;
                char *grown = realloc(buf, cap);
                if (grown == NULL) {
                    free(buf);
                    fclose(f);
                    closedir(d);
                    return failed + 1;
                }
                buf = grown;
            }
            memcpy(buf + len, chunk, n);
            len += n;
        }
        fclose(f);
        /* a failed property aborts the process: reaching the line is the pass */
        LLVMFuzzerTestOneInput((const uint8_t *) (buf != NULL ? buf : ""), len);
        printf("ok %d - fuzz-cib-extract replays %s\n", ++n_tests, e->d_name);
        fflush(stdout);
        free(buf);
    }
    closedir(d);
    return failed;
}

int main(void)
{
    const char *src = getenv("SIPHA_SRCDIR");
    char dir[4096];
    int failed = 0;

    if (src == NULL) {
        src = SIPHA_DEFAULT_SRCDIR;
    }
    snprintf(dir, sizeof(dir), "%s/tests/unit/data/cib", src);
    failed += replay_dir(dir);
    snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/cib", src);
    failed += replay_dir(dir);
    printf("1..%d\n", n_tests);
    return failed == 0 && n_tests > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
