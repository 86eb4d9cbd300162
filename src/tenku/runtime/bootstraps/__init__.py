"""Bootstrap programs that run inside execution environments (not imported by the server).

Each file here is executed as a child process by `tenku.runtime`; none may import tenku.
"""
