/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the control protocol decoder, the dynamic-config YAML, the compiler and the image check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "routes.h"
#include "table_compile.h"
#include "table_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_ctl_req req;
	static struct sl_dyn *d;
	static void *img;
	char err[SL_DYN_ERR_LEN];
	long n;

	if (d == NULL) {
		d = sl_dyn_new();
		img = aligned_alloc(64, SL_TBL_SLOT_SIZE);
	}
	/* 1: a control request; its argv through the command-line spec parsers */
	if (sl_ctl_req_need(data, size) == (long)size && sl_ctl_decode_req(data, size, &req) == 0 &&
	    req.argc > 0) {
		struct sl_dyn_fault f;
		struct sl_dyn_route r;

		sl_dyn_fault_from_args(req.argc, req.argv, 1, &f, err, sizeof(err));
		sl_dyn_route_from_args(req.argc, req.argv, &r, err, sizeof(err));
	}
	/* 2: the bytes as a config; a valid one compiles to an image that checks */
	if (sl_dyn_load_buf(d, (const char *)data, size, "fuzz", 1, err, sizeof(err)) == 0) {
		n = sl_tbl_compile(d, 1, 0, img, SL_TBL_SLOT_SIZE, err, sizeof(err));
		if (n > 0 && sl_tbl_image_check(img, (size_t)n) != 0)
			abort();
	}
	/* 3: the bytes as an image (the dataplane's loader must refuse garbage) */
	if (size >= sizeof(struct sl_tbl_hdr) && size <= SL_TBL_SLOT_SIZE) {
		memcpy(img, data, size);
		(void)sl_tbl_image_check(img, size);
	}
	return 0;
}
