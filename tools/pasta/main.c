// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - pasta: user-mode networking for a network namespace */

#include "loop/ctx.h"

/**
 * main() - Entry point: everything happens in libcommon's pasta_main()
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: exit status, see pasta(1)
 */
int main(int argc, char **argv)
{
	return pasta_main(argc, argv);
}
