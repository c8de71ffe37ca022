// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox_selftest.c - test binary: the full sandbox, then a forbidden call
 *
 * Theory of operation: test_sandbox.py runs this as the unprivileged test
 * user (so sandbox_isolate() has to detach into a user namespace of its
 * own), with the profile and the call to try as arguments. It sets up the
 * sandbox exactly as the tools do (isolate, then seccomp), reports on
 * stdout what it sees ("entries 0", "nnp 1"), then makes the call: one the
 * allowlist lacks must kill it with SIGSYS, "none" exits 0. Never built into
 * a tool: the tools have no hidden switch that weakens or tests the sandbox.
 *
 * Usage: sandbox_selftest pasta|passt|passt-repair|pasta-netcfg
 *			   none|mmap|execve|open|brk
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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

/**
 * try_call() - Make the call named by @what
 * @what:	none, mmap, execve, open or brk
 *
 * Return: 0 if the call returned (whatever its result), 2 if unknown
 */
static int try_call(const char *what)
{
	static char *const argv[] = {"true", NULL};

	if (!strcmp(what, "none"))
		return 0;
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
	int p;

	if (argc != 3)
		return 2;
	for (p = 0; p < SANDBOX_PROFILES; p++) {
		if (!strcmp(argv[1], sandbox_profile_name(p)))
			break;
	}
	if (p == SANDBOX_PROFILES)
		return 2;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (sandbox_isolate(&o))
		return 1;
	printf("entries %d\n", count_root());
	if (sandbox_seccomp((enum sandbox_profile)p))
		return 1;
	/* Only allowed calls from here: write() of preformatted text */
	if (write(STDOUT_FILENO, "sandboxed\n", 10) != 10)
		return 1;
	return try_call(argv[2]);
}
