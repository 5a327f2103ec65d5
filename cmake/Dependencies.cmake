# The five libraries come from Debian 12's packages (deploy/local/install-deps.sh installs them),
# and so do the bulletin's: libcurl (SMTP), cairo and pango (its chart and PDF).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(GTest CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(PANGOCAIRO REQUIRED IMPORTED_TARGET pangocairo cairo-pdf cairo-png)

# msgpack-c C++ is header-only; we use it without Boost.
add_library(ducha_msgpack INTERFACE)
target_compile_definitions(ducha_msgpack INTERFACE MSGPACK_NO_BOOST MSGPACK_DEFAULT_API_VERSION=3)
# cppzmq is header-only on top of libzmq.
add_library(ducha_zmq INTERFACE)
target_link_libraries(ducha_zmq INTERFACE PkgConfig::ZMQ)
add_library(ducha_pqxx INTERFACE)
target_link_libraries(ducha_pqxx INTERFACE PkgConfig::PQXX)
