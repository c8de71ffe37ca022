// SPDX-License-Identifier: GPL-2.0-or-later
/* test_options_man.c - the option table and the man pages list the same
 *			options, each in the pages of its modes
 *
 * The OPTIONS section of man/passt.1.scd and man/pasta.1.scd introduces each
 * option with a line starting with "*-", naming its short form (if any) and
 * its long forms, e.g. "*-s*, *--socket*, *--socket-path* _PATH_". The pages
 * are found relative to this file's path (__FILE__).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

#define MAN_MAX_OPTS 128
#define LINE_MAX_LEN 1024
#define NAME_LEN     64

/**
 * struct man_opt - One long option as the man page documents it
 * @name:	Long name, without "--"
 * @short_opt:	Short letter on the same line, 0 if none
 */
struct man_opt {
	char name[NAME_LEN];
	char short_opt;
};

/**
 * struct man_page - Options of one man page
 * @opt:	Long options, in page order
 * @n:		Entries used
 */
struct man_page {
	struct man_opt opt[MAN_MAX_OPTS];
	int n;
};

/* Path of a file of the source tree, from this file's own path */
static void src_path(char *buf, size_t size, const char *rel)
{
	static const char self[] = "tests/unit/test_options_man.c";
	size_t len = strlen(__FILE__), plen = 0;

	if (len >= strlen(self) && !strcmp(__FILE__ + len - strlen(self), self))
		plen = len - strlen(self);
	snprintf(buf, size, "%.*s%s", (int)plen, __FILE__, rel);
}

/* Collect "*--name*" words of one option line */
static void man_line(struct man_page *m, const char *line)
{
	const char *p = line;
	char short_opt = 0;

	if (line[2] != '-' && line[3] == '*')
		short_opt = line[2];
	while ((p = strstr(p, "*--")) && m->n < MAN_MAX_OPTS) {
		size_t len = strcspn(p + 3, "*");

		assert_true(len > 0 && len < NAME_LEN);
		memcpy(m->opt[m->n].name, p + 3, len);
		m->opt[m->n].name[len] = '\0';
		m->opt[m->n].short_opt = short_opt;
		m->n++;
		p += 3 + len;
	}
}

static void man_read(struct man_page *m, const char *rel)
{
	char path[4096], line[LINE_MAX_LEN];
	bool in_options = false;
	FILE *f;

	src_path(path, sizeof(path), rel);
	f = fopen(path, "r");
	if (!f)
		fail_msg("Can't open %s", path);
	m->n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "# ", 2))
			in_options = !strcmp(line, "# OPTIONS\n");
		else if (in_options && !strncmp(line, "*-", 2))
			man_line(m, line);
	}
	fclose(f);
	assert_true(m->n > 0);
}

static const struct conf_opt *table_find(const char *name)
{
	size_t i;

	for (i = 0; i < conf_opts_n; i++) {
		if (!strcmp(conf_opts[i].name, name))
			return &conf_opts[i];
	}
	return NULL;
}

static const struct man_opt *man_find(const struct man_page *m,
				      const char *name)
{
	int i;

	for (i = 0; i < m->n; i++) {
		if (!strcmp(m->opt[i].name, name))
			return &m->opt[i];
	}
	return NULL;
}

/* Every option of @modes in the table is in @m, and nothing else is */
static void check_page(const char *rel, unsigned int modes)
{
	static struct man_page m;
	size_t i;
	int j;

	man_read(&m, rel);
	for (i = 0; i < conf_opts_n; i++) {
		const struct conf_opt *o = &conf_opts[i];
		const struct man_opt *mo = man_find(&m, o->name);

		if (!(o->modes & modes)) {
			if (mo)
				fail_msg("%s documents --%s of another mode",
					 rel, o->name);
			continue;
		}
		if (!mo) {
			fail_msg("%s lacks --%s", rel, o->name);
			return;
		}
		if (mo->short_opt != o->short_opt)
			fail_msg("%s: --%s has short form '%c', table '%c'",
				 rel, o->name,
				 mo->short_opt ? mo->short_opt : ' ',
				 o->short_opt ? o->short_opt : ' ');
	}
	for (j = 0; j < m.n; j++) {
		if (!table_find(m.opt[j].name))
			fail_msg("%s documents unknown option --%s", rel,
				 m.opt[j].name);
		if (man_find(&m, m.opt[j].name) != &m.opt[j])
			fail_msg("%s documents --%s twice", rel, m.opt[j].name);
	}
}

static void test_passt_man_lists_passt_options(void **state)
{
	(void)state;
	check_page("man/passt.1.scd", CONF_M_PASST | CONF_M_VU);
}

static void test_pasta_man_lists_pasta_options(void **state)
{
	(void)state;
	check_page("man/pasta.1.scd", CONF_M_PASTA);
}

/* Options not supported yet say so in the pages */
static void test_man_marks_unsupported(void **state)
{
	static const char *const pages[] = {"man/passt.1.scd",
					    "man/pasta.1.scd"};
	char path[4096], line[LINE_MAX_LEN];
	size_t p;

	(void)state;
	for (p = 0; p < 2; p++) {
		const struct conf_opt *cur = NULL;
		bool said = true;
		FILE *f;

		src_path(path, sizeof(path), pages[p]);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			const char *l = strstr(line, "*--");

			if (!strncmp(line, "*-", 2) ||
			    !strncmp(line, "# ", 2)) {
				if (!said)
					fail_msg("%s: --%s isn't marked as not "
						 "supported",
						 pages[p], cur->name);
				cur = NULL;
				said = true;
			}
			if (!strncmp(line, "*-", 2) && l) {
				char name[NAME_LEN];

				snprintf(name, sizeof(name), "%.*s",
					 (int)strcspn(l + 3, "*"), l + 3);
				cur = table_find(name);
				said = !cur || cur->support == CONF_SUP_YES;
			}
			if (strstr(line, "Not supported by this build yet") ||
			    strstr(line, "This build supports only"))
				said = true;
		}
		fclose(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passt_man_lists_passt_options),
		cmocka_unit_test(test_pasta_man_lists_pasta_options),
		cmocka_unit_test(test_man_marks_unsupported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
