/* protocol.h -- the messages of the --exec protocol, version 1 (docs/protocol.md): requests
   written from a call (abi.h), responses and hellos parsed with jansson.  Pure functions of their
   arguments, so that the parsers can be fuzzed (tests/fuzz/fuzz_protocol.c). */
#ifndef DNNPROOF_VERIFY_PROTOCOL_H
#define DNNPROOF_VERIFY_PROTOCOL_H

#include <jansson.h>
#include "plugin.h"

enum { VR_PROTO_VERSION = 1 };

/* The hello request, a line with its '\n'. */
extern const char vr_proto_hello[];

/* Parses the answer to hello: has[op][f32] gets the ops and precisions listed, name the adapter's
   name (truncated to namelen).  DP_OK, or DP_EDOMAIN with the reason in err. */
int vr_proto_parse_hello(int has[VR_NOPS][2], char *name, size_t namelen, const char *line,
                         size_t len, char *err, size_t errlen);

/* One number as the protocol writes it: a C99 hex float string, "inf", "-inf" or "nan". */
json_t *vr_proto_number(double x);

/* Sets o's "dims" and "inputs" to call k's, in the protocol's shapes (the network's W and b as
   arrays of the p layers'). */
void vr_proto_put_inputs(json_t *o, const vr_call *k);

/* The request for call k in the precision, numbered id: a malloc'd line ending in '\n', or NULL
   when out of memory. */
char *vr_proto_request(const vr_call *k, int f32, unsigned long id);

/* Parses the response line (len bytes, no '\n') to request id for call k.  VR_PK_PASS with out
   (k->q doubles) filled, VR_PK_REFUSED with the adapter's message in note, or VR_PK_PROTOCOL with
   what is wrong in note. */
vr_plugin_kind vr_proto_parse_response(double *out, char *note, size_t notelen, const char *line,
                                       size_t len, const vr_call *k, int f32, unsigned long id);

#endif
