/*
 * Open MPI, loaded at run time. Polyglot builds and runs without MPI: the library is opened (dlopen) only
 * when a launcher (mpirun) started the process with more than one rank, so a single process never needs it.
 *
 * Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are the addresses of its predefined objects
 * (ompi_mpi_comm_world, ...), which dlsym resolves like the functions. Every call is on the world
 * communicator and returns MPI's error code (0: success); with MPI's default error handler a failed
 * communication (a rank that died) ends every rank of the job instead of returning.
 */
#ifndef PG_MPI_H
#define PG_MPI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The rank count a launcher announced in the environment (OMPI_COMM_WORLD_SIZE, else PMIX/PMI's size
 * variables), 0 when no launcher started this process. */
int pg_mpi_launched_size(void);

/* Opens libmpi and initializes MPI (MPI_THREAD_FUNNELED: only the main thread calls MPI). 0 on success; otherwise
 * pg_mpi_error() says why. Writes this process's rank and the job's size. */
int pg_mpi_start(int *rank, int *size);
const char *pg_mpi_error(void);
/* The library's version string (MPI_Get_library_version), empty before pg_mpi_start. */
const char *pg_mpi_library_version(void);

/* In-place sums over every rank (MPI_Allreduce with MPI_IN_PLACE). */
int pg_mpi_sum_floats(float *values, int64_t count);
int pg_mpi_sum_doubles(double *values, int64_t count);
/* In-place minimum and maximum of 64-bit integers over every rank. */
int pg_mpi_min_int64(int64_t *values, int64_t count);
int pg_mpi_max_int64(int64_t *values, int64_t count);
/* In-place bitwise or of 64-bit words over every rank. */
int pg_mpi_or_int64(int64_t *values, int64_t count);
/* Root's bytes to every rank. */
int pg_mpi_broadcast(void *bytes, int64_t count, int root);
/* Every rank's `count` 64-bit integers to every rank, rank by rank (MPI_Allgather). */
int pg_mpi_allgather_int64(const int64_t *send, int64_t count, int64_t *receive);
/* Every rank's bytes to root, rank by rank (MPI_Gatherv): `counts` and `offsets` (one per rank) are read on root only. */
int pg_mpi_gather_bytes(const void *send, int64_t count, void *receive, const int64_t *counts, const int64_t *offsets, int root);
int pg_mpi_barrier(void);
/* Ends every rank of the job with this exit status. */
void pg_mpi_abort(int status);
int pg_mpi_finish(void);

#ifdef __cplusplus
}
#endif

#endif
