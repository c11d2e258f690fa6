/* fuzz_protocol.c -- libFuzzer target for the --exec protocol's parsers (verify/protocol.c): any
   bytes, as the answer to hello or as the response to a call of each op in each precision, are
   either accepted (then every output is a number, and a float32 one a float32 value) or refused
   with a kind and a note; never a crash, a leak or undefined behaviour.  `make fuzz` builds it;
   docs/protocol.md says how to run it. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One instance of each op, the smallest the generators give (every choice 0). */
static vr_case cases[VR_NOPS];
static vr_call calls[VR_NOPS];

static void setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    for (int op = 0; op < VR_NOPS; op++) {
        vr_src src;
        vr_src_replay(&src, NULL, 0);
        vr_case_init(&cases[op]);
        if (vr_abi_generate(&cases[op], &src, 2, op, 0) != DP_OK ||
            !vr_abi_marshal(&calls[op], op, &cases[op]))
            abort();
        vr_src_clear(&src);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    const char *line = (const char *)data;
    char note[200], name[80];
    int has[VR_NOPS][2];
    if (vr_proto_parse_hello(has, name, sizeof name, line, size, note, sizeof note) == DP_OK) {
        int any = 0;
        for (int op = 0; op < VR_NOPS; op++)
            any |= has[op][0] | has[op][1];
        if (!any)
            abort(); /* accepted with no op */
    }
    for (int op = 0; op < VR_NOPS; op++)
        for (int f32 = 0; f32 < 2; f32++) {
            double out[64];
            if (calls[op].q > 64)
                abort();
            vr_plugin_kind k =
                vr_proto_parse_response(out, note, sizeof note, line, size, &calls[op], f32, 1);
            if (k != VR_PK_PASS && k != VR_PK_REFUSED && k != VR_PK_PROTOCOL)
                abort();
            for (size_t i = 0; k == VR_PK_PASS && f32 && i < calls[op].q; i++)
                if (!isnan(out[i]) && (double)(float)out[i] != out[i])
                    abort();
        }
    return 0;
}
