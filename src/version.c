#include "salvo/salvo.h"

#include <string.h>

const char *salvo_version(void) { return SALVO_VERSION_STRING; }

const char *salvo_strerror(int code)
{
    if (code == 0)
        return "success";
    return strerror(code < 0 ? -code : code);
}
