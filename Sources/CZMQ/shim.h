// The Jupyter kernel's transport: ZeroMQ's C interface (libzmq).
#include <zmq.h>
