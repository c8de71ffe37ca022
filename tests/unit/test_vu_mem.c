// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vu_mem.c - vhost-user guest memory: translations stay inside one
 * region whatever the numbers, a table is refused whole, nothing claims
 * more than its file holds, the dirty log marks exactly the pages
 * written, and a frontend cutting its file under us costs the connection,
 * not the process (while a SIGBUS elsewhere still kills)
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "link/vu_mem.h"
#include "vu_fixture.h"

#define PAGE 4096ULL

/* Two regions from one file: 8 pages at gpa 0 (file offset 1 page), 4
 * pages at gpa 1 MiB (file offset 9 pages), as qemu describes low and high
 * memory of one backend
 */
#define R0_GPA	 0x0ULL
#define R0_UVA	 0x7f0000000000ULL
#define R0_OFF	 PAGE
#define R0_LEN	 (8 * PAGE)
#define R1_GPA	 0x100000ULL
#define R1_UVA	 0x7f0000100000ULL
#define R1_OFF	 (9 * PAGE)
#define R1_LEN	 (4 * PAGE)
#define FILE_LEN (13 * PAGE)

/**
 * two_regions_of() - Map the two regions above from a fresh memfd
 * @m:		Guest memory, initialised here
 * @seal:	Seal the memfd against shrinking, as qemu does by default
 *
 * Return: the memfd (the caller closes it)
 */
static int two_regions_of(struct vu_mem *m, bool seal)
{
	const struct vu_mem_desc d[2] = {
		{R0_GPA, R0_LEN, R0_UVA, R0_OFF},
		{R1_GPA, R1_LEN, R1_UVA, R1_OFF},
	};
	int fd = fx_memfd(FILE_LEN, seal), fds[2] = {fd, fd};

	vu_mem_init(m);
	assert_int_equal(vu_mem_set(m, d, fds, 2), 0);
	assert_int_equal(m->n, 2);
	return fd;
}

/**
 * two_regions() - Map the two regions above from a fresh, sealed memfd
 * @m:		Guest memory, initialised here
 *
 * Return: the memfd (the caller closes it)
 */
static int two_regions(struct vu_mem *m)
{
	return two_regions_of(m, true);
}

static void test_gpa_stays_inside_a_region(void **state)
{
	uint64_t avail = 99;
	struct vu_mem m;
	uint8_t *p, b = 0;
	int fd = two_regions(&m);

	(void)state;
	p = vu_mem_gpa(&m, R0_GPA + 100, 50, &avail);
	assert_non_null(p);
	assert_int_equal(avail, 50);

	/* A write lands at the region's offset in the file */
	*p = 0xab;
	assert_int_equal(pread(fd, &b, 1, (off_t)(R0_OFF + 100)), 1);
	assert_int_equal(b, 0xab);

	/* Clipped where the region ends, not continued into the next */
	p = vu_mem_gpa(&m, R0_GPA + R0_LEN - 10, 1000, &avail);
	assert_non_null(p);
	assert_int_equal(avail, 10);

	assert_null(vu_mem_gpa(&m, R0_GPA + R0_LEN, 1, &avail));
	assert_int_equal(avail, 0);
	assert_null(vu_mem_gpa(&m, R1_GPA - 1, 1, &avail));
	assert_null(vu_mem_gpa(&m, R1_GPA + R1_LEN, 1, &avail));
	assert_null(vu_mem_gpa(&m, R1_GPA, 0, &avail));
	assert_null(vu_mem_gpa(&m, UINT64_MAX, UINT64_MAX, &avail));

	p = vu_mem_gpa(&m, R1_GPA + R1_LEN - 1, UINT64_MAX, &avail);
	assert_non_null(p);
	assert_int_equal(avail, 1);

	vu_mem_clear(&m);
	close(fd);
	assert_int_equal(fx_map_count(), 0);
}

static void test_uva_needs_whole_range_in_one_region(void **state)
{
	struct vu_mem m;
	int fd = two_regions(&m);

	(void)state;
	assert_non_null(vu_mem_uva(&m, R0_UVA, R0_LEN));
	assert_null(vu_mem_uva(&m, R0_UVA, R0_LEN + 1));
	assert_null(vu_mem_uva(&m, R0_UVA + 1, R0_LEN));
	assert_null(vu_mem_uva(&m, R0_UVA - 1, 2));
	assert_null(vu_mem_uva(&m, R0_UVA, 0));
	assert_null(vu_mem_uva(&m, R1_UVA + 8, UINT64_MAX));
	assert_null(vu_mem_uva(&m, UINT64_MAX - 1, 4));
	assert_ptr_equal(vu_mem_uva(&m, R1_UVA + 16, 16),
			 m.r[1].map + R1_OFF + 16);

	vu_mem_clear(&m);
	close(fd);
}

static void test_set_refuses_wrapping_regions(void **state)
{
	const struct vu_mem_desc bad[] = {
		{UINT64_MAX - PAGE + 1, 2 * PAGE, 0, 0},
		{0, 2 * PAGE, UINT64_MAX - PAGE, 0},
		{0, 2 * PAGE, 0, UINT64_MAX - PAGE},
		{0, 0, 0, 0},
	};
	int fd = fx_memfd(4 * PAGE, true), fds[1] = {fd};
	struct vu_mem m;
	unsigned int i;

	(void)state;
	vu_mem_init(&m);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vu_mem_set(&m, &bad[i], fds, 1), -EINVAL);
		assert_int_equal(m.n, 0);
	}
	assert_int_equal(vu_mem_set(&m, bad, fds, 0), -EINVAL);
	assert_int_equal(vu_mem_set(&m, bad, fds, VU_MEM_REGIONS_MAX + 1),
			 -EINVAL);
	assert_int_equal(fx_map_count(), 0);
	close(fd);
}

static void test_set_refuses_more_than_the_file_holds(void **state)
{
	const struct vu_mem_desc big = {0, 2 * PAGE, 0, 0};
	const struct vu_mem_desc off = {0, PAGE, 0, PAGE + 1};
	const struct vu_mem_desc fits = {0, PAGE, 0, PAGE};
	int fd = fx_memfd(2 * PAGE - 1, false), fds[1] = {fd};
	struct vu_mem m;

	(void)state;
	vu_mem_init(&m);
	assert_int_equal(vu_mem_set(&m, &big, fds, 1), -EINVAL);
	assert_int_equal(vu_mem_set(&m, &off, fds, 1), -EINVAL);
	assert_int_equal(fx_map_count(), 0);

	assert_int_equal(ftruncate(fd, (off_t)(2 * PAGE)), 0);
	assert_int_equal(vu_mem_set(&m, &fits, fds, 1), 0);
	assert_int_equal(fx_map_count(), 1);

	/* Not a descriptor at all */
	fds[0] = -1;
	assert_int_equal(vu_mem_set(&m, &fits, fds, 1), -EBADF);
	assert_int_equal(m.n, 1);

	vu_mem_clear(&m);
	assert_int_equal(fx_map_count(), 0);
	close(fd);
}

static void test_failed_table_keeps_old_one_and_maps_nothing(void **state)
{
	const struct vu_mem_desc d[3] = {
		{0, PAGE, 0x1000, 0},
		{0x10000, PAGE, 0x20000, 0},
		{0x20000, 64 * PAGE, 0x30000, 0}, /* beyond the file */
	};
	struct vu_mem m;
	int fd = two_regions(&m), fds[3] = {fd, fd, fd};

	(void)state;
	assert_int_equal(fx_map_count(), 2);
	assert_int_equal(vu_mem_set(&m, d, fds, 3), -EINVAL);
	assert_int_equal(fx_map_count(), 2);
	assert_int_equal(m.n, 2);
	assert_non_null(vu_mem_uva(&m, R0_UVA, 8));

	/* A good table replaces the old one: its mappings go */
	assert_int_equal(vu_mem_set(&m, d, fds, 1), 0);
	assert_int_equal(fx_map_count(), 1);
	assert_int_equal(m.n, 1);
	assert_null(vu_mem_uva(&m, R0_UVA, 8));
	assert_non_null(vu_mem_uva(&m, 0x1000, 8));

	vu_mem_clear(&m);
	assert_int_equal(m.n, 0);
	assert_int_equal(fx_map_count(), 0);
	close(fd);
}

/**
 * log_bits() - Which of the first bits of the log are set
 * @m:		Guest memory with a log
 * @bits:	How many bits to look at, at most 64
 *
 * Return: bit i of the result is bit i of the log
 */
static uint64_t log_bits(const struct vu_mem *m, unsigned int bits)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bits; i++)
		v |= (uint64_t)((m->log[i / 8] >> (i % 8)) & 1) << i;
	return v;
}

static void test_dirty_log_marks_pages_written(void **state)
{
	int fd = fx_memfd(PAGE, true);
	uint8_t file[16];
	struct vu_mem m;

	(void)state;
	vu_mem_init(&m);
	vu_mem_log(&m, 0, 100); /* no log: nothing, no crash */
	assert_false(vu_mem_logging(&m));

	/* 4 bytes of bitmap at offset 8 in the file: 32 pages */
	assert_int_equal(vu_mem_log_set(&m, fd, 4, 8), 0);
	assert_true(vu_mem_logging(&m));
	assert_int_equal(m.log_len, 4);

	vu_mem_log(&m, PAGE - 1, 2);
	assert_int_equal(log_bits(&m, 32), 0x3);
	vu_mem_log(&m, 5 * PAGE, PAGE);
	assert_int_equal(log_bits(&m, 32), 0x23);
	vu_mem_log(&m, 7 * PAGE, 0);
	assert_int_equal(log_bits(&m, 32), 0x23);

	/* Up to the last bit, never beyond it */
	vu_mem_log(&m, 30 * PAGE, 100 * PAGE);
	assert_int_equal(log_bits(&m, 32), 0xc0000023);
	vu_mem_log(&m, UINT64_MAX - 10, UINT64_MAX);
	vu_mem_log(&m, 32 * PAGE, PAGE);

	/* What the frontend sees, at the offset it gave */
	assert_int_equal(pread(fd, file, sizeof(file), 0), sizeof(file));
	assert_int_equal(file[7], 0);
	assert_int_equal(file[8], 0x23);
	assert_int_equal(file[11], 0xc0);
	assert_int_equal(file[12], 0);

	vu_mem_log_clear(&m);
	assert_false(vu_mem_logging(&m));
	assert_int_equal(fx_map_count(), 0);
	close(fd);
}

static void test_dirty_log_refuses_more_than_the_file_holds(void **state)
{
	int fd = fx_memfd(PAGE, false);
	struct vu_mem m;

	(void)state;
	vu_mem_init(&m);
	assert_int_equal(vu_mem_log_set(&m, fd, PAGE, 1), -EINVAL);
	assert_int_equal(vu_mem_log_set(&m, fd, 0, 0), -EINVAL);
	assert_int_equal(vu_mem_log_set(&m, fd, 2, UINT64_MAX - 1), -EINVAL);
	assert_false(vu_mem_logging(&m));

	assert_int_equal(vu_mem_log_set(&m, fd, PAGE, 0), 0);
	assert_int_equal(vu_mem_log_set(&m, fd, 8, 0), 0);
	assert_int_equal(fx_map_count(), 1);
	assert_int_equal(m.log_len, 8);

	vu_mem_clear(&m);
	assert_int_equal(fx_map_count(), 0);
	close(fd);
}

/**
 * zero_map_count() - Mappings of our file of zeros (vu_mem.c) in this process
 *
 * Return: their number
 */
static int zero_map_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "/memfd:passt-vu-zero") != NULL;
	fclose(f);
	return n;
}

/**
 * test_cut_memory_reads_zeros() - A frontend truncates its unsealed file
 *				    under both regions and the dirty log: we
 *				    survive, read zeros, write into our own
 *				    pages, and are told, once per loss
 * @state:	Unused
 */
static void test_cut_memory_reads_zeros(void **state)
{
	volatile uint8_t *p0, *p1;
	struct vu_mem m;
	uint64_t avail;
	int fd, zero;

	(void)state;
	zero = vu_mem_guard_init();
	assert_true(zero >= 0);
	assert_int_equal(vu_mem_guard_init(), zero);
	assert_false(vu_mem_lost());

	fd = two_regions_of(&m, false);
	p0 = vu_mem_gpa(&m, R0_GPA + PAGE + 7, 1, &avail);
	p1 = vu_mem_gpa(&m, R1_GPA + 3 * PAGE, 1, &avail);
	assert_non_null(p0);
	assert_non_null(p1);
	*p0 = 0xa5;
	*p1 = 0x5a;
	assert_int_equal(vu_mem_log_set(&m, fd, 8, 0), 0);
	assert_false(vu_mem_lost());

	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(*p0, 0);		/* would be SIGBUS */
	assert_true(vu_mem_lost());
	assert_false(vu_mem_lost());
	*p0 = 0x11;				/* our page now */
	assert_int_equal(*p0, 0x11);
	assert_int_equal(lseek(fd, 0, SEEK_END), 0);	/* not theirs */

	*p1 = 0x22;	/* region 1 is a mapping of its own */
	assert_true(vu_mem_lost());
	/* the dirty log maps offset 0 of the same file: gone as well */
	vu_mem_log(&m, R0_GPA, 1);
	assert_true(vu_mem_lost());
	assert_true(zero_map_count() > 0);

	vu_mem_clear(&m);			/* our pages go too */
	assert_int_equal(fx_map_count(), 0);
	assert_int_equal(zero_map_count(), 0);
	close(fd);
}

/**
 * test_cut_memory_larger_than_our_file() - A mapping longer than our file of
 *					     zeros is patched a window at a
 *					     time, wherever it faults
 * @state:	Unused
 */
static void test_cut_memory_larger_than_our_file(void **state)
{
	const uint64_t len = 3ULL << 30, offs[] = {
		len - 1, 0, (3ULL << 29), len / 2 + PAGE, (1ULL << 30) - 1 };
	const struct vu_mem_desc d = {0, len, R0_UVA, 0};
	struct vu_mem m;
	uint64_t avail;
	unsigned int i;
	int fd;

	(void)state;
	if (SIZE_MAX < len)
		skip();
	assert_true(vu_mem_guard_init() >= 0);
	fd = fx_memfd((size_t)len, false);
	vu_mem_init(&m);
	assert_int_equal(vu_mem_set(&m, &d, &fd, 1), 0);
	assert_int_equal(ftruncate(fd, 0), 0);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		volatile uint8_t *p = vu_mem_gpa(&m, offs[i], 1, &avail);

		assert_non_null(p);
		assert_int_equal(*p, 0);
		*p = (uint8_t)(i + 1);
		assert_int_equal(*p, i + 1);
	}
	assert_true(vu_mem_lost());
	vu_mem_clear(&m);
	assert_int_equal(zero_map_count(), 0);
	close(fd);
}

/**
 * child_sigbus_elsewhere() - With the guard on, touch a cut file we mapped
 *			      ourselves, not as guest memory
 * @cut_guest:	Also cut guest memory first (the guard still works)
 *
 * Return: 1 if we survived, which is wrong; 2 if the guard failed first
 */
static int child_sigbus_elsewhere(bool cut_guest)
{
	int fd = fx_memfd(PAGE, false), gfd;
	volatile uint8_t *p;
	struct vu_mem m;

	if (vu_mem_guard_init() < 0)
		return 2;
	if (cut_guest) {
		gfd = two_regions_of(&m, false);
		if (ftruncate(gfd, 0))
			return 2;
		p = m.r[0].map + R0_OFF;
		if (*p || !vu_mem_lost())
			return 2;
	}
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || ftruncate(fd, 0))
		return 2;
	return *p + 1;
}

/**
 * test_sigbus_elsewhere_still_kills() - A SIGBUS outside guest memory (a bug
 *					  of ours) still kills us with SIGBUS
 * @state:	Unused
 */
static void test_sigbus_elsewhere_still_kills(void **state)
{
	int cut, ws;

	(void)state;
	for (cut = 0; cut < 2; cut++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (!pid)
			_exit(child_sigbus_elsewhere(cut));
		assert_int_equal(waitpid(pid, &ws, 0), pid);
		if (WIFEXITED(ws))
			fail_msg("child exited with %d", WEXITSTATUS(ws));
		assert_true(WIFSIGNALED(ws));
		assert_int_equal(WTERMSIG(ws), SIGBUS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpa_stays_inside_a_region),
		cmocka_unit_test(test_uva_needs_whole_range_in_one_region),
		cmocka_unit_test(test_set_refuses_wrapping_regions),
		cmocka_unit_test(test_set_refuses_more_than_the_file_holds),
		cmocka_unit_test(
			test_failed_table_keeps_old_one_and_maps_nothing),
		cmocka_unit_test(test_dirty_log_marks_pages_written),
		cmocka_unit_test(
			test_dirty_log_refuses_more_than_the_file_holds),
		cmocka_unit_test(test_cut_memory_reads_zeros),
		cmocka_unit_test(test_cut_memory_larger_than_our_file),
		cmocka_unit_test(test_sigbus_elsewhere_still_kills),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
