"""The --exec protocol's loop, shared by the adapters (docs/protocol.md, version 1).

serve(name, ops, precisions, compute) reads one JSON request per line from stdin and writes one
response per line to stdout, flushed: hello is answered with `name` and every op of `ops` in
every precision of `precisions`; a call with compute(op, dims, inputs, precision), which returns
the outputs already encoded (hex strings); any exception becomes an "error" response, never the
end of the adapter.  Returns 0 when stdin closes."""
import json
import sys


def answer(line, name, ops, precisions, compute):
    rid = None
    try:
        req = json.loads(line, parse_int=float)   # "-0" is negative zero; dims go through int()
        if not isinstance(req, dict):
            raise ValueError('not a JSON object')
        rid = req.get('id')
        rid = int(rid) if isinstance(rid, float) and rid == int(rid) else rid
        if isinstance(req.get('v'), bool) or req.get('v') != 1:
            raise ValueError('unsupported protocol version %r' % req.get('v'))
        op = req.get('op')
        if op == 'hello':
            res = {'v': 1, 'name': name, 'ops': {o: list(precisions) for o in ops}}
        else:
            if op not in ops:
                raise ValueError('unknown op %r' % op)
            if req.get('precision') not in precisions:
                raise ValueError('unknown precision %r' % req.get('precision'))
            res = {'v': 1, 'outputs': compute(op, req['dims'], req['inputs'],
                                              req['precision'])}
    except Exception as e:                 # one bad request is answered, never fatal
        res = {'v': 1, 'error': '%s: %s' % (type(e).__name__, e)}
    if rid is not None:
        res['id'] = rid
    return json.dumps(res, separators=(',', ':'))


def serve(name, ops, precisions, compute):
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(answer(line, name, ops, precisions, compute) + '\n')
            sys.stdout.flush()
    return 0
