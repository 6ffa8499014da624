package mastodon

func (s *Server) followRoutes() {}
