// SPDX-License-Identifier: GPL-2.0-or-later
/* test_doctor.c - unit tests of the start-up diagnostics' decisions
 *
 * Every verdict of os/doctor.c from facts alone: this is where the cases
 * that can't be created on the test machine are covered (AppArmor's
 * restriction of user namespaces, Debian's unprivileged_userns_clone, an
 * LSM refusing /dev/net/tun although its mode allows it, no tun driver).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "os/doctor.h"

static char msg[DOCTOR_MSG_LEN];

/* Facts of a machine where user namespaces just work, unprivileged */
static struct doctor_userns userns_ok(void)
{
	struct doctor_userns f = {
		.unpriv_clone = -1,
		.max_user_ns = 63457,
		.aa_restrict = -1,
		.aa_confined = -1,
	};

	return f;
}

static void test_userns_ok(void **state)
{
	struct doctor_userns f = userns_ok();

	(void)state;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_OK);
	f.unpriv_clone = 1;
	f.aa_restrict = 0;
	f.aa_confined = 0;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_OK);
}

static void test_userns_max_zero(void **state)
{
	struct doctor_userns f = userns_ok();

	(void)state;
	f.max_user_ns = 0;
	f.err = ENOSPC;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "user.max_user_namespaces is 0"));
	assert_non_null(strstr(msg, "fix: sysctl -w user.max_user_namespaces"));
	/* root is limited too */
	f.privileged = true;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_FAIL);
}

static void test_userns_debian_clone(void **state)
{
	struct doctor_userns f = userns_ok();

	(void)state;
	f.unpriv_clone = 0;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "kernel.unprivileged_userns_clone=1"));
	/* only unprivileged users are concerned */
	f.privileged = true;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_OK);
}

static void test_userns_limit_reached(void **state)
{
	struct doctor_userns f = userns_ok();

	(void)state;
	f.err = ENOSPC;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "is 63457"));
	f.err = EUSERS;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "nesting limit"));
}

/* Ubuntu 24.04: the sysctl is 1, pasta unconfined: clone() works, but the
 * namespace grants no capability, and the next step fails with EPERM
 */
static void test_userns_apparmor_restrict(void **state)
{
	struct doctor_userns f = userns_ok();

	(void)state;
	f.aa_restrict = 1;
	f.aa_confined = 0;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "AppArmor restricts"));
	assert_non_null(strstr(msg, "unconfined"));
	assert_non_null(strstr(msg, "apparmor_restrict_unprivileged_userns=0"));

	/* Confined: fine if the profile allows userns, which we can't see */
	f.aa_confined = 1;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_WARN);
	assert_non_null(strstr(msg, "\"userns,\""));

	/* ... unless something did fail with EPERM */
	f.err = EPERM;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "without \"userns,\""));

	/* root isn't restricted */
	f.privileged = true;
	f.err = 0;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_OK);
}

/* EACCES from clone(): only an LSM returns that (SELinux) */
static void test_userns_lsm_errno(void **state)
{
	struct doctor_userns f = userns_ok();

	(void)state;
	f.err = EACCES;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "security module"));
	assert_non_null(strstr(msg, "ausearch"));
	f.err = EPERM;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "seccomp"));
	f.err = EINVAL;
	assert_int_equal(doctor_userns(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, strerror(EINVAL)));
}

/* /dev/net/tun as udev makes it */
static struct doctor_tun tun_ok(void)
{
	struct doctor_tun f = {
		.chr = true,
		.mode = 0666,
		.me_uid = 1000,
	};

	return f;
}

static void test_tun_ok(void **state)
{
	struct doctor_tun f = tun_ok();

	(void)state;
	assert_int_equal(doctor_tun(&f, msg, sizeof(msg)), DOCTOR_OK);
	f.open_err = -1; /* not tried */
	assert_int_equal(doctor_tun(&f, msg, sizeof(msg)), DOCTOR_OK);
}

static void test_tun_missing(void **state)
{
	struct doctor_tun f = tun_ok();

	(void)state;
	f.stat_err = ENOENT;
	assert_int_equal(doctor_tun(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "missing"));
	assert_non_null(strstr(msg, "mknod /dev/net/tun c 10 200"));

	f = tun_ok();
	f.chr = false;
	assert_int_equal(doctor_tun(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "not a character device"));

	f = tun_ok();
	f.open_err = ENODEV;
	assert_int_equal(doctor_tun(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "modprobe tun"));
}

static void test_tun_mode(void **state)
{
	struct doctor_tun f = tun_ok();

	(void)state;
	f.mode = 0600;
	f.open_err = EACCES;
	assert_false(doctor_dac_rw(&f));
	assert_int_equal(doctor_tun(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "mode 0600"));
	assert_non_null(strstr(msg, "UID 1000"));
	assert_non_null(strstr(msg, "chmod 0666 /dev/net/tun"));

	/* owner, group and other bits, each where they apply */
	f.uid = 1000;
	assert_true(doctor_dac_rw(&f));
	f.uid = 0;
	f.mode = 0660;
	f.in_group = true;
	assert_true(doctor_dac_rw(&f));
	f.mode = 0640;
	assert_false(doctor_dac_rw(&f));
	f.mode = 0606;
	assert_false(doctor_dac_rw(&f)); /* group bits apply, not other's */

	/* root (mapped owner) isn't held by the mode */
	f.mode = 0600;
	f.in_group = false;
	f.dac_override = true;
	f.open_err = 0;
	assert_int_equal(doctor_tun(&f, msg, sizeof(msg)), DOCTOR_OK);
}

/* Refused although the mode allows it: SELinux, AppArmor, device cgroup */
static void test_tun_lsm(void **state)
{
	struct doctor_tun f = tun_ok();

	(void)state;
	f.open_err = EACCES;
	assert_int_equal(doctor_tun(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "although mode 0666 allows it"));
	assert_non_null(strstr(msg, "audit log"));
	f.open_err = EPERM;
	assert_int_equal(doctor_tun(&f, msg, sizeof(msg)), DOCTOR_FAIL);
	assert_non_null(strstr(msg, "security module"));
	f.open_err = EBUSY;
	assert_int_equal(doctor_tun(&f, msg, sizeof(msg)), DOCTOR_FAIL);
}

static void test_ping(void **state)
{
	struct doctor_ping f = {
		.lo = 1, .hi = 0, .gids = {1000, 27}, .ngids = 2};

	(void)state;
	assert_int_equal(doctor_ping(&f, msg, sizeof(msg)), DOCTOR_WARN);
	assert_non_null(strstr(msg, "\"1 0\""));
	assert_non_null(strstr(msg, "GID 1000"));
	assert_non_null(strstr(msg, "ping_group_range=\"0 2147483647\""));

	/* a supplementary group is enough */
	f.lo = 27;
	f.hi = 27;
	assert_int_equal(doctor_ping(&f, msg, sizeof(msg)), DOCTOR_OK);
	assert_non_null(strstr(msg, "GID 27"));
	f.lo = 0;
	f.hi = 2147483647;
	assert_int_equal(doctor_ping(&f, msg, sizeof(msg)), DOCTOR_OK);
	f.lo = 1001;
	assert_int_equal(doctor_ping(&f, msg, sizeof(msg)), DOCTOR_WARN);

	f.no_icmp = true;
	assert_int_equal(doctor_ping(&f, msg, sizeof(msg)), DOCTOR_OK);
	f.no_icmp = false;
	f.lo = -1;
	assert_int_equal(doctor_ping(&f, msg, sizeof(msg)), DOCTOR_WARN);
}

static void test_route(void **state)
{
	struct doctor_route f = {
		.def4 = "eth0", .def6 = "eth0", .ndef4 = 1, .ndef6 = 1};

	(void)state;
	assert_int_equal(doctor_route(&f, msg, sizeof(msg)), DOCTOR_OK);
	assert_string_equal(msg, "default route via eth0 (IPv4), eth0 (IPv6)");

	/* several: name the option that picks another */
	f.ndef4 = 2;
	assert_int_equal(doctor_route(&f, msg, sizeof(msg)), DOCTOR_WARN);
	assert_non_null(strstr(msg, "--outbound-if4 IF"));

	/* none: local mode, and the interfaces that could carry one */
	memset(&f, 0, sizeof(f));
	strcpy(f.ifs[0], "eth1");
	strcpy(f.ifs[1], "wlan0");
	f.nifs = 2;
	assert_int_equal(doctor_route(&f, msg, sizeof(msg)), DOCTOR_WARN);
	assert_non_null(strstr(msg, "no default route"));
	assert_non_null(strstr(msg, "local mode"));
	assert_non_null(strstr(msg, "interfaces with routes: eth1 wlan0"));
	assert_non_null(strstr(msg, "--outbound-if4 IF"));
	f.nifs = 0;
	assert_int_equal(doctor_route(&f, msg, sizeof(msg)), DOCTOR_WARN);
	assert_non_null(strstr(msg, "no interface with a route"));

	/* IPv6 only: IPv4 runs in local mode */
	strcpy(f.def6, "eth0");
	f.ndef6 = 1;
	assert_int_equal(doctor_route(&f, msg, sizeof(msg)), DOCTOR_WARN);
}

static void test_port(void **state)
{
	struct doctor_port f = {
		.found = true, .uid = 1000, .pid = 1234, .comm = "nc"};
	char s[64];

	(void)state;
	assert_int_equal(doctor_port(EADDRINUSE, &f, s, sizeof(s)),
			 (int)strlen(" (held by nc, PID 1234)"));
	assert_string_equal(s, " (held by nc, PID 1234)");
	/* another user's: /proc/PID/fd isn't ours to read */
	f.pid = 0;
	f.uid = 0;
	doctor_port(EADDRINUSE, &f, s, sizeof(s));
	assert_string_equal(s, " (held by a process of UID 0)");
	/* nothing known, or another error: nothing added */
	f.found = false;
	assert_int_equal(doctor_port(EADDRINUSE, &f, s, sizeof(s)), 0);
	assert_string_equal(s, "");
	f.found = true;
	assert_int_equal(doctor_port(EACCES, &f, s, sizeof(s)), 0);
	assert_string_equal(s, "");
	assert_int_equal(doctor_port(EADDRINUSE, NULL, s, sizeof(s)), 0);
}

static void test_sock_line(void **state)
{
	static const char v4[] =
		"   3: 0100007F:1F90 00000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000  1000        0 123456 1 0000000000000000 "
		"100 0 0 10 0\n";
	static const char v6[] =
		"   0: 00000000000000000000000000000000:0016 "
		"00000000000000000000000000000000:0000 07 00000000:00000000 "
		"00:00000000 00000000     0        0 42 2 0000000000000000 0\n";
	unsigned int port, st, uid;
	unsigned long inode;

	(void)state;
	assert_true(doctor_sock_line(v4, &port, &st, &uid, &inode));
	assert_int_equal(port, 8080);
	assert_int_equal(st, 0x0a);
	assert_int_equal(uid, 1000);
	assert_int_equal(inode, 123456);
	assert_true(doctor_sock_line(v6, &port, &st, &uid, &inode));
	assert_int_equal(port, 22);
	assert_int_equal(st, 0x07);
	assert_int_equal(inode, 42);
	assert_false(doctor_sock_line("  sl  local_address rem_address   st "
				      "tx_queue rx_queue tr tm->when retrnsmt"
				      "   uid  timeout inode\n",
				      &port, &st, &uid, &inode));
	assert_false(doctor_sock_line("", &port, &st, &uid, &inode));
	assert_false(doctor_sock_line("   0: 0100007F 00000000:0000 0A", &port,
				      &st, &uid, &inode));
}

static void test_route_lines(void **state)
{
	char name[IFNAMSIZ];
	bool def, link;

	(void)state;
	assert_false(doctor_route4_line("Iface\tDestination\tGateway \tFlags"
					"\tRefCnt\tUse\tMetric\tMask\t\tMTU"
					"\tWindow\tIRTT\n",
					name, &def));
	assert_true(doctor_route4_line("ext0\t00000000\tFE6433C6\t0003\t0"
				       "\t0\t0\t00000000\t0\t0\t0\n",
				       name, &def));
	assert_string_equal(name, "ext0");
	assert_true(def);
	assert_true(doctor_route4_line("ext0\t006433C6\t00000000\t0001\t0"
				       "\t0\t0\t00FFFFFF\t0\t0\t0\n",
				       name, &def));
	assert_false(def);
	/* a route that isn't up (RTF_UP clear) */
	assert_false(doctor_route4_line("ext0\t00000000\tFE6433C6\t0002\t0"
					"\t0\t0\t00000000\t0\t0\t0\n",
					name, &def));

	assert_true(doctor_route6_line(
		"00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 00 "
		"20010db80001000000000000000000fe 00000400 00000001 00000000 "
		"00000003     ext0\n",
		name, &def, &link));
	assert_string_equal(name, "ext0");
	assert_true(def);
	assert_false(link);
	assert_true(doctor_route6_line(
		"fe800000000000000000000000000000 40 "
		"00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 00000100 00000001 00000000 "
		"00000001     d0\n",
		name, &def, &link));
	assert_false(def);
	assert_true(link);
	/* unreachable default through lo: not a route of an interface */
	assert_false(doctor_route6_line(
		"00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 ffffffff 00000001 00000000 "
		"00200200       lo\n",
		name, &def, &link));
}

static void test_fields(void **state)
{
	char buf[] = "  a\tbb  c\n", *f[4];
	unsigned long v;

	(void)state;
	assert_int_equal(doctor_fields(buf, f, 4), 3);
	assert_string_equal(f[0], "a");
	assert_string_equal(f[1], "bb");
	assert_string_equal(f[2], "c");
	assert_true(doctor_num("1f", 16, &v));
	assert_int_equal(v, 31);
	assert_false(doctor_num("1f", 10, &v));
	assert_false(doctor_num("", 10, &v));
	assert_false(doctor_num("-1", 10, &v));
	assert_false(doctor_num("99999999999999999999999", 10, &v));
}

static void test_level_names(void **state)
{
	(void)state;
	assert_string_equal(doctor_level_name(DOCTOR_OK), "OK");
	assert_string_equal(doctor_level_name(DOCTOR_WARN), "WARN");
	assert_string_equal(doctor_level_name(DOCTOR_FAIL), "FAIL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_userns_ok),
		cmocka_unit_test(test_userns_max_zero),
		cmocka_unit_test(test_userns_debian_clone),
		cmocka_unit_test(test_userns_limit_reached),
		cmocka_unit_test(test_userns_apparmor_restrict),
		cmocka_unit_test(test_userns_lsm_errno),
		cmocka_unit_test(test_tun_ok),
		cmocka_unit_test(test_tun_missing),
		cmocka_unit_test(test_tun_mode),
		cmocka_unit_test(test_tun_lsm),
		cmocka_unit_test(test_ping),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_sock_line),
		cmocka_unit_test(test_route_lines),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_level_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
