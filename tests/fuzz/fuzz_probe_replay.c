/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_probe_replay.c: a main() for a libFuzzer target without libFuzzer.
 * Feeds every file of the seed corpus (argv, or the target's directory under
 * $SIPHA_SRCDIR/tests/fuzz/corpus/probe/) to LLVMFuzzerTestOneInput once and
 * prints a TAP line per file, so `tests/run-all` exercises the fuzz targets
 * under ASan/UBSan.  A crash or sanitizer report fails the run.
 */
#include <config.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_CORPUS_NAME
#error "FUZZ_CORPUS_NAME must name the corpus directory"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_tests;

static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    long len;

    if ((f == NULL) || (fseek(f, 0, SEEK_END) != 0) || ((len = ftell(f)) < 0)) {
        printf("not ok %d - replay %s (cannot read)\n", ++n_tests, path);
        if (f != NULL) {
            fclose(f);
        }
        return 1;
    }
    rewind(f);
    data = malloc((size_t) len + 1);
    if ((data == NULL) || (fread(data, 1, (size_t) len, f) != (size_t) len)) {
        printf("not ok %d - replay %s (cannot read)\n", ++n_tests, path);
        free(data);
        fclose(f);
        return 1;
    }
    fclose(f);
    fflush(stdout);
    LLVMFuzzerTestOneInput(data, (size_t) len);
    free(data);
    printf("ok %d - %s replay %s\n", ++n_tests, FUZZ_CORPUS_NAME, strrchr(path, '/') + 1);
    return 0;
}

static int
compare_names(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int
replay_dir(const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, compare_names);
    int failed = 0;

    if (n < 0) {
        printf("not ok %d - replay %s (no such directory)\n", ++n_tests, dir);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if ((stat(path, &st) == 0) && S_ISREG(st.st_mode)) {
            failed += replay_file(path);
        }
        free(names[i]);
    }
    free(names);
    return failed;
}

int
main(int argc, char **argv)
{
    int failed = 0;

    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            struct stat st;

            failed += ((stat(argv[i], &st) == 0) && S_ISDIR(st.st_mode))
                      ? replay_dir(argv[i]) : replay_file(argv[i]);
        }
    } else {
        const char *src = getenv("SIPHA_SRCDIR");
        char dir[4096];

        snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/probe/%s",
                 (src != NULL) ? src : SIPHA_DEFAULT_SRCDIR, FUZZ_CORPUS_NAME);
        failed += replay_dir(dir);
    }
    printf("1..%d\n", n_tests);
    return (failed == 0) ? EXIT_SUCCESS : EXIT_FAILURE;
}
