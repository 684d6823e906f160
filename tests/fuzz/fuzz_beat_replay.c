/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_beat_replay.c: replay a fuzz target's seed corpus without libFuzzer.
 * Feeds every file of $SIPHA_SRCDIR/tests/fuzz/corpus/FUZZ_CORPUS (default
 * beat/msg, the heartbeat codec; -DFUZZ_CORPUS for another target) (or the
 * files given as arguments) to LLVMFuzzerTestOneInput and prints one TAP
 * line each, so tests/run-all runs the fuzz target under ASan/UBSan.
 */
#include <config.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_CORPUS
#define FUZZ_CORPUS "beat/msg"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_tests;

static void replay(const char *path)
{
    uint8_t buf[4096];
    size_t len;
    FILE *f = fopen(path, "rb");

    if (f == NULL) {
        printf("not ok %d - replay %s (cannot read)\n", ++n_tests, path);
        return;
    }
    len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    fflush(stdout);
    LLVMFuzzerTestOneInput(buf, len);
    printf("ok %d - " FUZZ_CORPUS " replay %s\n", ++n_tests, strrchr(path, '/') != NULL
           ? strrchr(path, '/') + 1 : path);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    const char *srcdir = getenv("SIPHA_SRCDIR");
    char dir[4096], path[8192];
    struct dirent **names;
    int n;

    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            replay(argv[i]);
        }
        printf("1..%d\n", n_tests);
        return 0;
    }
    snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/" FUZZ_CORPUS,
             srcdir != NULL ? srcdir : SIPHA_DEFAULT_SRCDIR);
    n = scandir(dir, &names, NULL, by_name);
    if (n < 0) {
        printf("1..0 # SKIP no corpus in %s\n", dir);
        return 77;
    }
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
            replay(path);
        }
        free(names[i]);
    }
    free(names);
    printf("1..%d\n", n_tests);
    return n_tests > 0 ? 0 : 1;
}
