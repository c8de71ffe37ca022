// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox_selftest.c - test binary: the full sandbox, then a forbidden call
 *
 * Theory of operation: test_sandbox.py runs this as the unprivileged test
 * user (so sandbox_isolate() has to detach into a user namespace of its
 * own), with the profile and the call to try as arguments. It sets up the
 * sandbox exactly as the tools do (isolate, then seccomp), reports on
 * stdout what it sees ("entries 0", "nnp 1"), then makes the call: one the
 * allowlist lacks must kill it with SIGSYS, "none" exits 0. "vu-mmap" maps
 * a memory file (a memfd made before the sandbox) as passt --vhost-user maps
 * guest memory, writes to it and unmaps it, then reports "mapped"; the
 * "mmap-*" calls are the same with one argument changed. Never built into
 * a tool: the tools have no hidden switch that weakens or tests the sandbox.
 *
 * Usage: sandbox_selftest pasta|passt|passt-vu|passt-repair|pasta-netcfg
 *			   none|mmap|execve|open|brk|vu-mmap|mmap-exec|
 *			   mmap-private|mmap-anon|mmap-fixed|mmap-populate
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/sandbox.h"

/**
 * count_root() - Count entries of / other than . and ..
 *
 * Return: number of entries, -1 if / can't be read
 */
static int count_root(void)
{
	const struct dirent *de;
	DIR *d = opendir("/");
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 &&
		     strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

#define MEM_LEN 4096UL
#define RW	(PROT_READ | PROT_WRITE)
#define SHARED	(MAP_SHARED | MAP_NORESERVE)

/**
 * vu_mmap() - Map @fd as the vhost-user link does, use it, unmap it
 * @fd:		Memory file, MEM_LEN bytes
 *
 * Return: 0 on success, 1 on failure (if the filter let us live)
 */
static int vu_mmap(int fd)
{
	volatile char *m = mmap(NULL, MEM_LEN, RW, SHARED, fd, 0);
	struct stat st;

	if (m == MAP_FAILED || fstat(fd, &st) || st.st_size != MEM_LEN ||
	    fcntl(fd, F_GET_SEALS) < 0)
		return 1;
	m[0] = 'x';
	if (munmap((void *)m, MEM_LEN))
		return 1;
	return write(STDOUT_FILENO, "mapped\n", 7) == 7 ? 0 : 1;
}

/**
 * try_mmap() - Make one of the mmap() calls passt --vhost-user must not make
 * @what:	mmap-exec, mmap-private, mmap-anon, mmap-fixed or mmap-populate
 * @fd:		Memory file
 * @page:	A page of ours, for mmap-fixed
 *
 * Return: 0 if the call returned (whatever its result), 2 if unknown
 */
static int try_mmap(const char *what, int fd, void *page)
{
	long f = fd;

	if (!strcmp(what, "mmap-exec"))
		syscall(SYS_mmap, NULL, MEM_LEN, RW | PROT_EXEC, SHARED, f, 0);
	else if (!strcmp(what, "mmap-private"))
		syscall(SYS_mmap, NULL, MEM_LEN, RW, MAP_PRIVATE, f, 0);
	else if (!strcmp(what, "mmap-anon"))
		syscall(SYS_mmap, NULL, MEM_LEN, RW, SHARED | MAP_ANONYMOUS,
			-1L, 0);
	else if (!strcmp(what, "mmap-fixed"))
		syscall(SYS_mmap, page, MEM_LEN, RW, SHARED | MAP_FIXED, f, 0);
	else if (!strcmp(what, "mmap-populate"))
		syscall(SYS_mmap, NULL, MEM_LEN, RW, SHARED | MAP_POPULATE, f,
			0);
	else
		return 2;
	return 0;
}

/**
 * try_call() - Make the call named by @what
 * @what:	none, mmap, execve, open, brk, vu-mmap or mmap-*
 * @fd:		Memory file
 * @page:	A page of ours
 *
 * Return: 0 if the call returned (whatever its result), 1 if vu-mmap
 *	   failed, 2 if @what is unknown
 */
static int try_call(const char *what, int fd, void *page)
{
	static char *const argv[] = {"true", NULL};

	if (!strcmp(what, "none"))
		return 0;
	if (!strcmp(what, "vu-mmap"))
		return vu_mmap(fd);
	if (!strncmp(what, "mmap-", strlen("mmap-")))
		return try_mmap(what, fd, page);
	if (!strcmp(what, "mmap"))
		syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else if (!strcmp(what, "execve"))
		syscall(SYS_execve, "/bin/true", argv, NULL);
	else if (!strcmp(what, "open"))
		syscall(SYS_openat, AT_FDCWD, "new-file",
			O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	else if (!strcmp(what, "brk"))
		syscall(SYS_brk, 0);
	else
		return 2;
	return 0;
}

int main(int argc, char **argv)
{
	struct sandbox_opts o = {.newpid = true};
	void *page;
	int p, fd;

	if (argc != 3)
		return 2;
	for (p = 0; p < SANDBOX_PROFILES; p++) {
		if (!strcmp(argv[1], sandbox_profile_name(p)))
			break;
	}
	if (p == SANDBOX_PROFILES)
		return 2;

	setvbuf(stdout, NULL, _IONBF, 0);
	/* As the frontend makes guest memory: sealed against shrinking */
	fd = memfd_create("guest", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, MEM_LEN) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return 1;
	page = mmap(NULL, MEM_LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	if (page == MAP_FAILED)
		return 1;
	if (sandbox_isolate(&o))
		return 1;
	printf("entries %d\n", count_root());
	if (sandbox_seccomp((enum sandbox_profile)p))
		return 1;
	/* Only allowed calls from here: write() of preformatted text */
	if (write(STDOUT_FILENO, "sandboxed\n", 10) != 10)
		return 1;
	return try_call(argv[2], fd, page);
}
