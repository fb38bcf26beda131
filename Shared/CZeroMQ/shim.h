#ifndef HOSTWIRE_CZEROMQ_SHIM_H
#define HOSTWIRE_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
