package mastodon

func (s *Server) statusRoutes() {}
