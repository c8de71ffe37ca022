/* SPDX-License-Identifier: GPL-2.0-or-later */
/* doctor.h - --doctor's report, and the hints added to start-up failures */
#ifndef LOOP_DOCTOR_H
#define LOOP_DOCTOR_H

#include <stdbool.h>

struct conf;

int doctor_report(struct conf *c);
void doctor_hint_userns(int err);
void doctor_hint_ns(bool tap, bool spawned, int err);
void doctor_startup(const struct conf *c);

#endif /* LOOP_DOCTOR_H */
