package web

func (s *Server) pageRoutes() {}
