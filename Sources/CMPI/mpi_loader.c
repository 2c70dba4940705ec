/*
 * Loads Open MPI and resolves the calls Polyglot makes (see pg_mpi.h for why it is loaded at run time).
 */
#include "pg_mpi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *mpi_handle; /* MPI_Comm, MPI_Datatype, MPI_Op: pointers in Open MPI */

typedef int (*init_thread_fn)(int *argc, char ***argv, int required, int *provided);
typedef int (*comm_int_fn)(mpi_handle comm, int *value);
typedef int (*allreduce_fn)(const void *send, void *receive, int count, mpi_handle type, mpi_handle op, mpi_handle comm);
typedef int (*bcast_fn)(void *buffer, int count, mpi_handle type, int root, mpi_handle comm);
typedef int (*allgather_fn)(const void *send, int send_count, mpi_handle send_type, void *receive, int receive_count,
                            mpi_handle receive_type, mpi_handle comm);
typedef int (*gather_fn)(const void *send, int send_count, mpi_handle send_type, void *receive, int receive_count,
                         mpi_handle receive_type, int root, mpi_handle comm);
typedef int (*gatherv_fn)(const void *send, int send_count, mpi_handle send_type, void *receive, const int *counts,
                          const int *offsets, mpi_handle receive_type, int root, mpi_handle comm);
typedef int (*barrier_fn)(mpi_handle comm);
typedef int (*abort_fn)(mpi_handle comm, int status);
typedef int (*finalize_fn)(void);
typedef int (*version_fn)(char *version, int *length);

static struct {
    init_thread_fn init_thread;
    comm_int_fn comm_rank, comm_size;
    allreduce_fn allreduce;
    bcast_fn bcast;
    allgather_fn allgather;
    gather_fn gather;
    gatherv_fn gatherv;
    barrier_fn barrier;
    abort_fn abort;
    finalize_fn finalize;
    version_fn get_library_version;
    mpi_handle world, type_float, type_double, type_int64, type_byte, type_int, op_sum, op_min, op_max, op_bor;
} mpi;

static int started = 0;
static int job_size = 1;
static char load_error[512];
static char library_version[512];

/* MPI_IN_PLACE and MPI_THREAD_FUNNELED as Open MPI defines them. */
#define PG_MPI_IN_PLACE ((void *)1)
enum { PG_MPI_THREAD_FUNNELED = 1, PG_MPI_MAX_LIBRARY_VERSION_STRING = 256 };
/* The most elements one call moves: MPI counts are int. */
static const int64_t chunk_elements = (int64_t)1 << 28;

static const char *const library_names[] = {"libmpi.so.40", "libmpi.so", NULL};

int pg_mpi_launched_size(void) {
    const char *names[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", NULL};
    for (int i = 0; names[i]; i++) {
        const char *value = getenv(names[i]);
        if (value && *value) {
            int n = atoi(value);
            if (n > 0) return n;
        }
    }
    return 0;
}

static void *resolve(void *library, const char *name) {
    void *symbol = dlsym(library, name);
    if (!symbol && !load_error[0])
        snprintf(load_error, sizeof load_error, "%s was loaded but has no %s; Polyglot needs Open MPI 4 or later (openmpi-bin, libopenmpi-dev)",
                 library_names[0], name);
    return symbol;
}

int pg_mpi_start(int *rank, int *size) {
    if (started) {
        *rank = 0;
        *size = job_size;
        return mpi.comm_rank(mpi.world, rank);
    }
    void *library = NULL;
    for (int i = 0; library_names[i] && !library; i++) {
        /* RTLD_GLOBAL: Open MPI's own components (dlopened by it) resolve their symbols in libmpi. */
        library = dlopen(library_names[i], RTLD_NOW | RTLD_GLOBAL);
    }
    if (!library) {
        snprintf(load_error, sizeof load_error, "started by an MPI launcher but cannot load %s (%s); install Open MPI (openmpi-bin, libopenmpi-dev)",
                 library_names[0], dlerror());
        return -1;
    }
    mpi.init_thread = (init_thread_fn)resolve(library, "MPI_Init_thread");
    mpi.comm_rank = (comm_int_fn)resolve(library, "MPI_Comm_rank");
    mpi.comm_size = (comm_int_fn)resolve(library, "MPI_Comm_size");
    mpi.allreduce = (allreduce_fn)resolve(library, "MPI_Allreduce");
    mpi.bcast = (bcast_fn)resolve(library, "MPI_Bcast");
    mpi.allgather = (allgather_fn)resolve(library, "MPI_Allgather");
    mpi.gather = (gather_fn)resolve(library, "MPI_Gather");
    mpi.gatherv = (gatherv_fn)resolve(library, "MPI_Gatherv");
    mpi.barrier = (barrier_fn)resolve(library, "MPI_Barrier");
    mpi.abort = (abort_fn)resolve(library, "MPI_Abort");
    mpi.finalize = (finalize_fn)resolve(library, "MPI_Finalize");
    mpi.get_library_version = (version_fn)resolve(library, "MPI_Get_library_version");
    mpi.world = resolve(library, "ompi_mpi_comm_world");
    mpi.type_float = resolve(library, "ompi_mpi_float");
    mpi.type_double = resolve(library, "ompi_mpi_double");
    mpi.type_int64 = resolve(library, "ompi_mpi_int64_t");
    mpi.type_byte = resolve(library, "ompi_mpi_byte");
    mpi.type_int = resolve(library, "ompi_mpi_int");
    mpi.op_sum = resolve(library, "ompi_mpi_op_sum");
    mpi.op_min = resolve(library, "ompi_mpi_op_min");
    mpi.op_max = resolve(library, "ompi_mpi_op_max");
    mpi.op_bor = resolve(library, "ompi_mpi_op_bor");
    if (load_error[0]) return -1;
    int provided = 0;
    int status = mpi.init_thread(NULL, NULL, PG_MPI_THREAD_FUNNELED, &provided);
    if (status != 0) {
        snprintf(load_error, sizeof load_error, "MPI_Init_thread failed with error %d", status);
        return status;
    }
    started = 1;
    if ((status = mpi.comm_rank(mpi.world, rank)) != 0) return status;
    if ((status = mpi.comm_size(mpi.world, size)) != 0) return status;
    job_size = *size;
    char version[PG_MPI_MAX_LIBRARY_VERSION_STRING + 256];
    int length = 0;
    if (mpi.get_library_version(version, &length) == 0) {
        version[length < (int)sizeof version ? length : (int)sizeof version - 1] = 0;
        char *newline = strchr(version, '\n');
        if (newline) *newline = 0;
        snprintf(library_version, sizeof library_version, "%s", version);
    }
    return 0;
}

const char *pg_mpi_error(void) { return load_error; }
const char *pg_mpi_library_version(void) { return library_version; }

static int allreduce_chunked(void *values, int64_t count, size_t element, mpi_handle type, mpi_handle op) {
    char *bytes = (char *)values;
    for (int64_t start = 0; start < count; start += chunk_elements) {
        int64_t n = count - start < chunk_elements ? count - start : chunk_elements;
        int status = mpi.allreduce(PG_MPI_IN_PLACE, bytes + start * (int64_t)element, (int)n, type, op, mpi.world);
        if (status != 0) return status;
    }
    return 0;
}

int pg_mpi_sum_floats(float *values, int64_t count) { return allreduce_chunked(values, count, sizeof(float), mpi.type_float, mpi.op_sum); }
int pg_mpi_sum_doubles(double *values, int64_t count) { return allreduce_chunked(values, count, sizeof(double), mpi.type_double, mpi.op_sum); }
int pg_mpi_min_int64(int64_t *values, int64_t count) { return allreduce_chunked(values, count, sizeof(int64_t), mpi.type_int64, mpi.op_min); }
int pg_mpi_max_int64(int64_t *values, int64_t count) { return allreduce_chunked(values, count, sizeof(int64_t), mpi.type_int64, mpi.op_max); }
int pg_mpi_or_int64(int64_t *values, int64_t count) { return allreduce_chunked(values, count, sizeof(int64_t), mpi.type_int64, mpi.op_bor); }

int pg_mpi_broadcast(void *bytes, int64_t count, int root) {
    char *p = (char *)bytes;
    for (int64_t start = 0; start < count; start += chunk_elements) {
        int64_t n = count - start < chunk_elements ? count - start : chunk_elements;
        int status = mpi.bcast(p + start, (int)n, mpi.type_byte, root, mpi.world);
        if (status != 0) return status;
    }
    return 0;
}

int pg_mpi_allgather_int64(const int64_t *send, int64_t count, int64_t *receive) {
    if (count > chunk_elements) return -1;
    return mpi.allgather(send, (int)count, mpi.type_int64, receive, (int)count, mpi.type_int64, mpi.world);
}

int pg_mpi_gather_bytes(const void *send, int64_t count, void *receive, const int64_t *counts, const int64_t *offsets, int root) {
    /* Gatherv's counts and offsets are int: a gather above 2 GiB in all is refused (-1). */
    int rank = 0;
    int status = mpi.comm_rank(mpi.world, &rank);
    if (status != 0) return status;
    if (count > 0x7fffffff) return -1;
    int *int_counts = NULL, *int_offsets = NULL;
    if (rank == root) {
        int_counts = malloc(sizeof(int) * (size_t)job_size);
        int_offsets = malloc(sizeof(int) * (size_t)job_size);
        if (!int_counts || !int_offsets) {
            free(int_counts);
            free(int_offsets);
            return -1;
        }
        for (int r = 0; r < job_size; r++) {
            if (counts[r] > 0x7fffffff || offsets[r] > 0x7fffffff || counts[r] + offsets[r] > 0x7fffffff) {
                free(int_counts);
                free(int_offsets);
                return -1;
            }
            int_counts[r] = (int)counts[r];
            int_offsets[r] = (int)offsets[r];
        }
    }
    status = mpi.gatherv(send, (int)count, mpi.type_byte, receive, int_counts, int_offsets, mpi.type_byte, root, mpi.world);
    free(int_counts);
    free(int_offsets);
    return status;
}

int pg_mpi_barrier(void) { return mpi.barrier(mpi.world); }

void pg_mpi_abort(int status) {
    if (started) mpi.abort(mpi.world, status);
    exit(status);
}

int pg_mpi_finish(void) {
    if (!started) return 0;
    started = 0;
    return mpi.finalize();
}
