# Build conventions shared by every target of ours.
#
# ducha_warnings: the warning set, as errors, linked into our own targets only (never into
# third-party code, whose headers are included as SYSTEM).
add_library(ducha_warnings INTERFACE)
target_compile_options(ducha_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wimplicit-fallthrough -Wformat=2 -Werror
  # GCC 12 reports std::stop_source's own constructor as "maybe uninitialized" once optimisation
  # is on (libstdc++ <stop_token>); the diagnostic is documented as prone to false positives.
  # -Wuninitialized (definite cases) stays on through -Wall. GCC-only: clang rejects the option.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)

# ducha_module(NAME <name> SRCS ... [DEPS ...] [PRIVATE_DEPS ...])
# One library per module folder: each source is compiled once and shared by the service, its
# tests and the benchmarks. The public include root is the repository root, so includes read
# "common/db/db.h".
function(ducha_module)
  cmake_parse_arguments(M "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${M_NAME} STATIC ${M_SRCS})
  target_include_directories(${M_NAME} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/gen)
  target_link_libraries(${M_NAME} PUBLIC ${M_DEPS} PRIVATE ducha_warnings ${M_PRIVATE_DEPS})
endfunction()

# ducha_test(NAME <name> SRCS ... DEPS ... LABELS ...)
function(ducha_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SRCS})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main ducha_warnings)
  # The shipped campaign, read straight from the source tree (tests/support/hebei_campaign.h).
  target_compile_definitions(${T_NAME} PRIVATE
    DUCHA_CAMPAIGN_DIR="${PROJECT_SOURCE_DIR}/deploy/campaigns/hebei-2017-2018")
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "DUCHA_SOURCE_DIR=${PROJECT_SOURCE_DIR};DUCHA_BUILD_DIR=${PROJECT_BINARY_DIR};LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/cmake/lsan.supp")
endfunction()

# ducha_embed_migrations(<out_var> NAMESPACE ns FUNCTION fn DIR dir)
# Generates a .cpp returning the folder's migrations; add the file named by <out_var> to a target.
function(ducha_embed_migrations out_var)
  cmake_parse_arguments(E "" "NAMESPACE;FUNCTION;DIR" "" ${ARGN})
  file(GLOB sql CONFIGURE_DEPENDS ${E_DIR}/*.sql)
  string(REPLACE "::" "_" ns_file "${E_NAMESPACE}")
  set(out ${PROJECT_BINARY_DIR}/gen/migrations/${ns_file}_${E_FUNCTION}.cpp)
  # The list of files, rewritten (only when it changes) by the re-glob: removing a migration
  # must regenerate the embedded set too, which depending on the remaining files alone misses.
  set(list_file ${PROJECT_BINARY_DIR}/gen/migrations/${ns_file}_${E_FUNCTION}.list)
  file(CONFIGURE OUTPUT ${list_file} CONTENT "${sql}\n")
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/gen/migrations
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/cmake/embed_sql.py ${out} ${E_NAMESPACE}
            ${E_FUNCTION} ${E_DIR}
    DEPENDS ${sql} ${list_file} ${PROJECT_SOURCE_DIR}/cmake/embed_sql.py
    COMMENT "Embedding migrations from ${E_DIR}")
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
